/**
 * Per-user metric values of the best epoch, kept beside the best checkpoint so that two runs or groups can be
 * compared user by user (paired tests): `checkpoints/best/per-user-<split>.bin`, little-endian:
 *
 *   "RLPU"  u32 version (1)  u32 H  H bytes of UTF-8 JSON {split, epoch, users, keys} (space-padded to 4 bytes)
 *   Int32[users]             the evaluated users' indices, ascending
 *   Float32[users × keys]    row-major: the values of keys[j] for users[r] at r·keys + j
 *
 * 31,668 Yelp2018 users × 15 metrics ≈ 1.9 MB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RUN_FILES } from './format';

export interface PerUserFile {
  split: 'test' | 'valid';
  epoch: number;
  users: Int32Array;
  keys: string[];
  values: Float32Array;
}

const MAGIC = 'RLPU';
const VERSION = 1;

export function perUserPath(runDir: string, split: 'test' | 'valid'): string {
  return path.join(runDir, RUN_FILES.checkpoints, 'best', `per-user-${split}.bin`);
}

export function encodePerUser(f: PerUserFile): Buffer {
  const n = f.users.length;
  if (f.values.length !== n * f.keys.length) throw new Error(`per-user values: expected ${n * f.keys.length} values, got ${f.values.length}`);
  let header = JSON.stringify({ split: f.split, epoch: f.epoch, users: n, keys: f.keys });
  while (Buffer.byteLength(header) % 4) header += ' ';
  const h = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(12 + h.length + 4 * n + 4 * f.values.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(h.length, 8);
  h.copy(out, 12);
  let o = 12 + h.length;
  for (let i = 0; i < n; i++, o += 4) out.writeInt32LE(f.users[i], o);
  for (let i = 0; i < f.values.length; i++, o += 4) out.writeFloatLE(f.values[i], o);
  return out;
}

export function decodePerUser(buf: Buffer, where = 'per-user file'): PerUserFile {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error(`${where}: not a RecLab per-user file`);
  const version = buf.readUInt32LE(4);
  if (version !== VERSION) throw new Error(`${where}: unsupported version ${version}`);
  const hLen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + hLen)) as { split: 'test' | 'valid'; epoch: number; users: number; keys: string[] };
  const n = header.users;
  const m = header.keys.length;
  const start = 12 + hLen;
  if (buf.length !== start + 4 * n + 4 * n * m) throw new Error(`${where}: truncated (${buf.length} bytes, expected ${start + 4 * n + 4 * n * m})`);
  const users = new Int32Array(n);
  for (let i = 0; i < n; i++) users[i] = buf.readInt32LE(start + 4 * i);
  const values = new Float32Array(n * m);
  const v0 = start + 4 * n;
  for (let i = 0; i < n * m; i++) values[i] = buf.readFloatLE(v0 + 4 * i);
  return { split: header.split, epoch: header.epoch, users, keys: header.keys, values };
}

/** Writes atomically (temp file, then rename) so a reader never sees half a file. */
export function writePerUser(runDir: string, f: PerUserFile): void {
  const file = perUserPath(runDir, f.split);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, encodePerUser(f));
  fs.renameSync(tmp, file);
}

export function readPerUser(runDir: string, split: 'test' | 'valid'): PerUserFile | undefined {
  const file = perUserPath(runDir, split);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return decodePerUser(buf, file);
}

/** The values of one metric key, by user. */
export function column(f: PerUserFile, key: string): Float32Array {
  const j = f.keys.indexOf(key);
  if (j < 0) throw new Error(`per-user values have no ${key} (they have ${f.keys.join(', ')})`);
  const m = f.keys.length;
  const out = new Float32Array(f.users.length);
  for (let r = 0; r < out.length; r++) out[r] = f.values[r * m + j];
  return out;
}
