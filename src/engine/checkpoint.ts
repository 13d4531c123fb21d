/**
 * Reading a run's checkpoint (checkpoints/<best|last>/ with user.f32, item.f32 — row-major float32 — and meta.json;
 * docs/run-format.md): used by the hard-rank sampler and by model.init.from.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface Checkpoint {
  users: Float32Array;
  items: Float32Array;
  nUsers: number;
  nItems: number;
  dim: number;
  dir: string;
}

/**
 * The checkpoint folder of `location`: a checkpoint folder itself, a run directory, or a runs folder — then the most
 * recently finished run (of experiment `experiment`, when given) that has the checkpoint.
 */
export function findCheckpointDir(location: string, which: 'best' | 'last', experiment?: string): string | null {
  for (const d of [path.join(location, 'checkpoints', which), location]) if (fs.existsSync(path.join(d, 'meta.json'))) return d;
  if (!fs.existsSync(location) || !fs.statSync(location).isDirectory()) return null;
  let best: { dir: string; mtime: number } | null = null;
  for (const name of fs.readdirSync(location)) {
    const runDir = path.join(location, name);
    const meta = path.join(runDir, 'checkpoints', which, 'meta.json');
    if (!fs.existsSync(meta)) continue;
    if (experiment) {
      try {
        const info = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { experiment?: string };
        if (info.experiment !== experiment) continue;
      } catch {
        continue;
      }
    }
    const mtime = fs.statSync(meta).mtimeMs;
    if (!best || mtime > best.mtime) best = { dir: path.dirname(meta), mtime };
  }
  return best?.dir ?? null;
}

export function readCheckpoint(location: string, which: 'best' | 'last', experiment?: string): Checkpoint {
  const dir = findCheckpointDir(location, which, experiment);
  if (!dir) {
    throw new Error(`no checkpoint at ${location} (expected checkpoints/${which}/meta.json in a run directory, or a runs folder holding a run${experiment ? ` of experiment "${experiment}"` : ''})`);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { users: number; items: number; dim: number };
  const read = (f: string, rows: number): Float32Array => {
    const buf = fs.readFileSync(path.join(dir, f));
    if (buf.byteLength !== rows * meta.dim * 4) throw new Error(`${path.join(dir, f)} has ${buf.byteLength} bytes, expected ${rows}×${meta.dim} float32`);
    const out = new Float32Array(rows * meta.dim);
    new Uint8Array(out.buffer).set(buf);
    return out;
  };
  return { users: read('user.f32', meta.users), items: read('item.f32', meta.items), nUsers: meta.users, nItems: meta.items, dim: meta.dim, dir };
}
