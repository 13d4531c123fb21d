/**
 * Reading a run's checkpoint (checkpoints/<best|last>/ with user.f32, item.f32 — row-major float32 — and meta.json;
 * docs/run-format.md): used by the hard-rank sampler and by model.init.from.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkpointFolder, readCheckpointFolder } from '../runs/checkpoint-files';

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
  const own = checkpointFolder(path.join(location, 'checkpoints'), which);
  if (own) return own;
  if (fs.existsSync(path.join(location, 'meta.json'))) return location;
  if (!fs.existsSync(location) || !fs.statSync(location).isDirectory()) return null;
  let best: { dir: string; mtime: number } | null = null;
  for (const name of fs.readdirSync(location)) {
    const runDir = path.join(location, name);
    const ckDir = checkpointFolder(path.join(runDir, 'checkpoints'), which);
    if (!ckDir) continue;
    const meta = path.join(ckDir, 'meta.json');
    if (experiment) {
      try {
        const info = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { experiment?: string };
        if (info.experiment !== experiment) continue;
      } catch {
        continue;
      }
    }
    let mtime: number;
    try {
      mtime = fs.statSync(meta).mtimeMs;
    } catch {
      continue; // swapped by a live run this instant
    }
    if (!best || mtime > best.mtime) best = { dir: path.dirname(meta), mtime };
  }
  return best?.dir ?? null;
}

export function readCheckpoint(location: string, which: 'best' | 'last', experiment?: string): Checkpoint {
  const dir = findCheckpointDir(location, which, experiment);
  if (!dir) {
    throw new Error(`no checkpoint at ${location} (expected checkpoints/${which}/meta.json in a run directory, or a runs folder holding a run${experiment ? ` of experiment "${experiment}"` : ''})`);
  }
  const { meta, tables } = readCheckpointFolder(dir, { 'user.f32': 'users', 'item.f32': 'items' });
  return { users: tables['user.f32']!, items: tables['item.f32']!, nUsers: meta.users, nItems: meta.items, dim: meta.dim, dir };
}
