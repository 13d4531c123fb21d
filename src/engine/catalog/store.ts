/**
 * The local dataset cache: `$RECLAB_DATA/<name>/<version>/` (default ~/.cache/reclab/datasets). Files arrive as
 * `.<file>.part` (resumable), are verified against the catalogue, then renamed into place (atomic on one file
 * system); a stamp written last marks the folder complete. Nothing outside the cache folder is ever written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { DatasetConfig } from '../config/types';
import { catalogEntry, type CatalogEntry, type CatalogFile } from './catalog';
import { downloadToPart, type TransferProgress } from './download';
import { ChecksumError, checkDigests, hashFile, type FileDigests } from './hash';

export const STAMP = '.reclab-verified.json';

/** Root of the cache: RECLAB_DATA, else $XDG_CACHE_HOME/reclab/datasets, else ~/.cache/reclab/datasets. */
export function dataRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RECLAB_DATA) return path.resolve(env.RECLAB_DATA);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'reclab', 'datasets');
}

export function entryDir(entry: CatalogEntry, root = dataRoot()): string {
  return path.join(root, entry.name, entry.version);
}

interface Stamp {
  name: string;
  version: string;
  verifiedAt: string;
  files: Record<string, { bytes: number; mtimeMs: number; sha256: string }>;
}

export type DatasetState = 'generated' | 'fetched' | 'partial' | 'missing';

/** Whether the dataset is in the cache: fetched (stamp present and files unchanged since verification), partial, missing. */
export function datasetState(entry: CatalogEntry, root = dataRoot()): DatasetState {
  if (!entry.files.length) return 'generated';
  const dir = entryDir(entry, root);
  if (stampMatches(entry, dir)) return 'fetched';
  return fs.existsSync(dir) && fs.readdirSync(dir).length ? 'partial' : 'missing';
}

function readStamp(dir: string): Stamp | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** True when the stamp lists every file with the size and mtime it has now (so hashing again is not needed). */
function stampMatches(entry: CatalogEntry, dir: string): boolean {
  const stamp = readStamp(dir);
  if (!stamp || stamp.version !== entry.version) return false;
  return entry.files.every((f) => {
    const s = stamp.files[f.name];
    const st = statOrNull(path.join(dir, f.name));
    return s && st && st.size === s.bytes && st.mtimeMs === s.mtimeMs;
  });
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

export interface FetchOptions {
  root?: string;
  /** a mirror base URL (files at <base>/<name>/<file>) or a local folder holding the files (or <name>/ of them) */
  from?: string;
  idleTimeoutMs?: number;
  retries?: number;
  onProgress?: (p: TransferProgress) => void;
  /** one line per step: "train.txt: verified", "ml-1m.zip: extracting" */
  onMessage?: (message: string) => void;
  signal?: AbortSignal;
}

export interface FetchResult {
  entry: CatalogEntry;
  dir: string;
  /** files transferred now (the others were already in the cache and verified) */
  transferred: string[];
}

/** Brings every file of a catalogue dataset into the cache, verified; a no-op for files already there and intact. */
export async function fetchDataset(spec: string | CatalogEntry, opts: FetchOptions = {}): Promise<FetchResult> {
  const entry = typeof spec === 'string' ? catalogEntry(spec) : spec;
  const root = opts.root ?? dataRoot();
  const dir = entryDir(entry, root);
  if (!entry.files.length) return { entry, dir, transferred: [] };
  if (stampMatches(entry, dir)) return { entry, dir, transferred: [] };
  fs.mkdirSync(dir, { recursive: true });
  const transferred: string[] = [];
  const digests: Record<string, FileDigests> = {};
  for (const file of entry.files) {
    const final = path.join(dir, file.name);
    const label = `${entry.name}/${file.name}`;
    if (fs.existsSync(final)) {
      const d = await hashFile(final);
      try {
        checkDigests(label, file, d);
        digests[file.name] = d;
        opts.onMessage?.(`${label}: already in the cache, verified`);
        continue;
      } catch (e) {
        if (!(e instanceof ChecksumError)) throw e;
        opts.onMessage?.(`${label}: the cached copy does not match the catalogue (${e.message}); fetching again`);
        fs.rmSync(final);
      }
    }
    const part = path.join(dir, `.${file.name}.part`);
    await transfer(entry, file, part, opts);
    const d = await hashFile(part);
    try {
      checkDigests(label, file, d);
    } catch (e) {
      // wrong bytes cannot be resumed: drop them so the next attempt starts clean
      fs.rmSync(part, { force: true });
      throw e;
    }
    fs.renameSync(part, final);
    digests[file.name] = d;
    transferred.push(file.name);
    opts.onMessage?.(`${label}: verified (${describeChecks(file)})`);
  }
  if (entry.extract) {
    opts.onMessage?.(`${entry.name}/${entry.extract}: extracting`);
    extractZip(path.join(dir, entry.extract), dir);
  }
  writeStamp(entry, dir, digests);
  return { entry, dir, transferred };
}

function describeChecks(f: CatalogFile): string {
  return (['bytes', 'sha256', 'gitBlob', 'md5'] as const).filter((k) => f[k] !== undefined).map((k) => (k === 'bytes' ? 'size' : k)).join(', ');
}

async function transfer(entry: CatalogEntry, file: CatalogFile, part: string, opts: FetchOptions): Promise<void> {
  const label = `${entry.name}/${file.name}`;
  const from = opts.from;
  if (from && !/^https?:\/\//.test(from)) {
    const base = from.startsWith('file://') ? new URL(from).pathname : path.resolve(from);
    const candidates = [path.join(base, file.name), path.join(base, entry.name, file.name), path.join(base, entry.name, entry.version, file.name)];
    const src = candidates.find((c) => fs.existsSync(c));
    if (!src) throw new Error(`${label}: not found in ${base} (looked for ${candidates.join(', ')})`);
    await copyWithProgress(src, part, label, opts);
    return;
  }
  const url = from ? `${from.replace(/\/+$/, '')}/${entry.name}/${file.name}` : file.url;
  await downloadToPart(url, part, {
    label, expectedBytes: file.bytes, idleTimeoutMs: opts.idleTimeoutMs, retries: opts.retries,
    onProgress: opts.onProgress, signal: opts.signal,
  });
}

async function copyWithProgress(src: string, part: string, label: string, opts: FetchOptions): Promise<void> {
  const total = fs.statSync(src).size;
  const t0 = performance.now();
  let received = 0;
  const out = fs.createWriteStream(part);
  for await (const chunk of fs.createReadStream(src, { highWaterMark: 1 << 20 })) {
    opts.signal?.throwIfAborted();
    received += (chunk as Buffer).length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    const rate = received / Math.max(1e-3, (performance.now() - t0) / 1000);
    opts.onProgress?.({ file: label, received, total, bytesPerSecond: rate, etaSeconds: (total - received) / rate });
  }
  out.end();
  await new Promise<void>((r) => out.once('close', () => r()));
}

/** Unpacks a verified zip into `dir` through a temporary folder; entries escaping the folder are refused. */
function extractZip(zip: string, dir: string): void {
  const files = unzipSync(new Uint8Array(fs.readFileSync(zip)));
  const tmp = fs.mkdtempSync(path.join(dir, '.extract-'));
  try {
    for (const [name, data] of Object.entries(files)) {
      const target = path.resolve(tmp, name);
      if (!target.startsWith(tmp + path.sep)) throw new Error(`${zip}: entry "${name}" points outside the folder`);
      if (name.endsWith('/')) fs.mkdirSync(target, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, data);
      }
    }
    for (const top of fs.readdirSync(tmp)) {
      fs.rmSync(path.join(dir, top), { recursive: true, force: true });
      fs.renameSync(path.join(tmp, top), path.join(dir, top));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function writeStamp(entry: CatalogEntry, dir: string, digests: Record<string, FileDigests>): void {
  const stamp: Stamp = { name: entry.name, version: entry.version, verifiedAt: new Date().toISOString(), files: {} };
  for (const f of entry.files) {
    const st = fs.statSync(path.join(dir, f.name));
    stamp.files[f.name] = { bytes: st.size, mtimeMs: st.mtimeMs, sha256: digests[f.name].sha256 };
  }
  const tmp = path.join(dir, `${STAMP}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(stamp, null, 2) + '\n');
  fs.renameSync(tmp, path.join(dir, STAMP));
}

export interface VerifyReport {
  file: string;
  digests: FileDigests;
}

/** Hashes every file of a fetched dataset again and checks it against the catalogue (throws ChecksumError). */
export async function verifyDataset(spec: string | CatalogEntry, opts: { root?: string } = {}): Promise<VerifyReport[]> {
  const entry = typeof spec === 'string' ? catalogEntry(spec) : spec;
  const dir = entryDir(entry, opts.root ?? dataRoot());
  const out: VerifyReport[] = [];
  const digests: Record<string, FileDigests> = {};
  for (const f of entry.files) {
    const file = path.join(dir, f.name);
    if (!fs.existsSync(file)) throw new Error(`${entry.name}/${f.name}: not in the cache (${file}); run \`reclab datasets fetch ${entry.name}\``);
    const d = await hashFile(file);
    checkDigests(`${entry.name}/${f.name}`, f, d);
    digests[f.name] = d;
    out.push({ file: f.name, digests: d });
  }
  if (entry.files.length) writeStamp(entry, dir, digests);
  return out;
}

/**
 * The dataset section a catalogue dataset stands for, with paths made absolute inside the cache folder. Fetches it
 * first when it is not in the cache and `fetch` is true (the default); files already there are used only once
 * verified (a stamp that still matches their size and mtime, or hashing them again).
 */
export async function resolveCatalogDataset(
  spec: string,
  opts: FetchOptions & { fetch?: boolean } = {},
): Promise<{ entry: CatalogEntry; dir: string; dataset: DatasetConfig }> {
  const entry = catalogEntry(spec);
  const root = opts.root ?? dataRoot();
  const dir = entryDir(entry, root);
  if (entry.files.length && !stampMatches(entry, dir)) {
    const complete = entry.files.every((f) => fs.existsSync(path.join(dir, f.name)));
    if (complete) await verifyDataset(entry, { root });
    else if (opts.fetch === false) {
      throw new Error(`dataset "${entry.name}" is not in the cache (${dir}); run \`reclab datasets fetch ${entry.name}\` or allow fetching`);
    } else await fetchDataset(entry, { ...opts, root });
    if (entry.extract && !stampMatches(entry, dir)) throw new Error(`${entry.name}: verification did not complete`);
  }
  const ds = { ...entry.dataset } as Record<string, unknown>;
  if (ds.kind === 'lightgcn') ds.path = dir;
  else if (typeof ds.path === 'string') ds.path = path.join(dir, ds.path);
  return { entry, dir, dataset: ds as unknown as DatasetConfig };
}
