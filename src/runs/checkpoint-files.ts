/**
 * Checkpoint folders written and read as a whole (docs/reliability.md, docs/run-format.md).
 *
 * Writing `checkpoints/<which>/`:
 *   1. the tables and meta.json go into `checkpoints/.<which>.new/`, each file fsynced (meta.json last);
 *   2. the current folder, if any, is renamed to `checkpoints/.<which>.old/`;
 *   3. `.<which>.new/` is renamed to `<which>/`, the parent fsynced, `.<which>.old/` removed.
 * At every instant one complete checkpoint exists: `<which>/`, or — between steps 2 and 3 — `.<which>.old/`, which
 * `checkpointFolder` falls back to. A failed write (ENOSPC) removes `.<which>.new/` and keeps the previous folder.
 * A kill leaves at most a stale `.new/` or `.old/`, cleaned by the next write.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from './atomic';

export interface CheckpointMeta {
  epoch: number;
  users: number;
  items: number;
  dim: number;
  dtype: 'float32';
  layout: 'row-major';
  metrics?: Record<string, number>;
  [k: string]: unknown;
}

export const META_FILE = 'meta.json';

function writeDurable(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    let off = 0;
    while (off < data.byteLength) off += fs.writeSync(fd, data, off, data.byteLength - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes checkpoints/<which>/ (see the module comment). Errors carry `checkpointFile` (the file being written). */
export function writeCheckpointFolder(parent: string, which: string, tables: Record<string, Uint8Array>, meta: CheckpointMeta): void {
  const target = path.join(parent, which);
  const fresh = path.join(parent, `.${which}.new`);
  const old = path.join(parent, `.${which}.old`);
  let current = '';
  try {
    fs.mkdirSync(parent, { recursive: true });
    // a leftover of a killed write: an `.old` folder is the only complete copy when `<which>` is missing
    if (fs.existsSync(old) && !fs.existsSync(path.join(target, META_FILE)) && fs.existsSync(path.join(old, META_FILE))) {
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(old, target);
    }
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(fresh, { recursive: true, force: true });
    fs.mkdirSync(fresh);
    for (const [name, data] of Object.entries(tables)) {
      current = name;
      writeDurable(path.join(fresh, name), data);
    }
    current = META_FILE;
    writeDurable(path.join(fresh, META_FILE), Buffer.from(JSON.stringify(meta, null, 2) + '\n'));
    current = '';
    fsyncDir(fresh);
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(fresh, target);
    fsyncDir(parent);
  } catch (e) {
    fs.rmSync(fresh, { recursive: true, force: true });
    if (!fs.existsSync(target) && fs.existsSync(old)) {
      try {
        fs.renameSync(old, target);
      } catch {
        /* checkpointFolder falls back to .old */
      }
    }
    if (e && typeof e === 'object' && current) (e as { checkpointFile?: string }).checkpointFile = current;
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * The complete checkpoint folder for `checkpoints/<which>` under `parent` (`<which>/`, else the `.old` copy a kill
 * mid-swap left), or undefined when there is none.
 */
export function checkpointFolder(parent: string, which: string): string | undefined {
  for (const d of [path.join(parent, which), path.join(parent, `.${which}.old`)]) if (fs.existsSync(path.join(d, META_FILE))) return d;
  return undefined;
}

export interface CheckpointTables {
  meta: CheckpointMeta;
  tables: Record<string, Float32Array>;
  dir: string;
}

/**
 * Reads meta.json and the named row-major float32 tables of a checkpoint folder, checking each table's size against
 * meta (rows × dim). `rowsOf` maps a table file to its meta row count. Reads are retried when the folder was swapped
 * underneath (a live run writing a new checkpoint meanwhile), so the tables always come from one checkpoint.
 */
export function readCheckpointFolder(dir: string, rowsOf: Record<string, 'users' | 'items'>): CheckpointTables {
  for (let attempt = 0; ; attempt++) {
    const metaFile = path.join(dir, META_FILE);
    const before = fs.statSync(metaFile, { bigint: true });
    let meta: CheckpointMeta;
    const metaText = fs.readFileSync(metaFile, 'utf8');
    try {
      meta = JSON.parse(metaText) as CheckpointMeta;
    } catch (e) {
      throw new Error(`${metaFile}: unreadable checkpoint metadata (${(e as Error).message})`);
    }
    for (const k of ['users', 'items', 'dim'] as const) {
      if (!Number.isInteger(meta[k]) || meta[k] < 0) throw new Error(`${metaFile}: $.${k} must be a non-negative integer`);
    }
    const tables: Record<string, Float32Array> = {};
    let swapped = false;
    try {
      for (const [file, rows] of Object.entries(rowsOf)) {
        const full = path.join(dir, file);
        const buf = fs.readFileSync(full);
        const expected = meta[rows] * meta.dim * 4;
        if (buf.byteLength !== expected) throw new Error(`${full} has ${buf.byteLength} bytes, expected ${meta[rows]}×${meta.dim} float32 (${expected} bytes)`);
        const out = new Float32Array(meta[rows] * meta.dim);
        new Uint8Array(out.buffer).set(buf);
        tables[file] = out;
      }
      const after = fs.statSync(metaFile, { bigint: true });
      swapped = after.ino !== before.ino || after.mtimeNs !== before.mtimeNs;
    } catch (e) {
      if (attempt >= 3 || !(e as NodeJS.ErrnoException).code) throw e;
      swapped = true; // ENOENT mid-swap: read again
    }
    if (!swapped) return { meta, tables, dir };
    if (attempt >= 3) throw new Error(`${dir}: the checkpoint kept changing while it was read (a live run writing it); try again`);
  }
}

/**
 * After the writer died (a kill mid-write): removes `.<which>.new/` folders and puts back an `.<which>.old/` that is
 * the only complete copy, so the run folder holds plain `best/` and `last/` again. Only for runs whose engine is gone.
 */
export function repairCheckpoints(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.(.+)\.(new|old)$/.exec(n);
    if (!m) continue;
    const leftover = path.join(parent, n);
    const target = path.join(parent, m[1]!);
    if (m[2] === 'old' && !fs.existsSync(path.join(target, META_FILE)) && fs.existsSync(path.join(leftover, META_FILE))) {
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(leftover, target);
    } else {
      fs.rmSync(leftover, { recursive: true, force: true });
    }
  }
}
