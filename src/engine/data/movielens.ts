/**
 * MovieLens `.dat` ratings (ML-1M, ML-10M): `user::item::rating::timestamp`. `path` is the ratings file or the
 * folder holding ratings.dat. Timestamps are always present, so leave-last-out works.
 */
import path from 'node:path';
import type { DatasetConfig } from '../config/types';
import { PairBuffer } from './csr';
import { lineError } from './errors';
import { StringIdMap } from './ids';
import { fileSize, isDirectory, nulColumn, resolveFile, scanLines } from './lines';
import { quote } from '../text/quote';
import type { PoolSource, Progress } from './source';
import { buildPool, parseNumber, parseTimestamp } from './tabular';

type MovieLensConfig = Extract<DatasetConfig, { kind: 'movielens' }>;

export async function loadMovieLens(cfg: MovieLensConfig, baseDir: string, onProgress?: Progress, signal?: AbortSignal): Promise<PoolSource> {
  const isDir = await isDirectory(path.resolve(baseDir, cfg.path));
  const file = isDir ? resolveFile(baseDir, cfg.path, 'ratings.dat') : resolveFile(baseDir, cfg.path);
  const size = await fileSize(file);
  const users = new StringIdMap();
  const items = new StringIdMap();
  const pairs = new PairBuffer(size / 20, true);
  const threshold = cfg.ratingThreshold;
  await scanLines(
    file,
    (buf, start, end, lineNo) => {
      if (end > start && buf[end - 1] === 13) end--;
      const nul = nulColumn(buf, start, end);
      if (nul) throw lineError(file, lineNo, `column ${nul}: binary data (a NUL byte): this is not a MovieLens ratings file`);
      const line = buf.toString('latin1', start, end).trim();
      if (line === '') return;
      const f = line.split('::');
      if (f.length !== 4) throw lineError(file, lineNo, `expected 4 fields user::item::rating::timestamp, found ${f.length}`);
      for (let k = 0; k < 2; k++) {
        if (!/^\d+$/.test(f[k])) throw lineError(file, lineNo, `${quote(f[k])} is not an integer ${k === 0 ? 'user' : 'item'} id${/^-\d+$/.test(f[k]) ? ' (ids are integers ≥ 0)' : ''}`);
      }
      const rating = parseNumber(f[2]);
      if (!Number.isFinite(rating)) throw lineError(file, lineNo, `${quote(f[2])} is not ${Number.isNaN(rating) ? 'a' : 'a finite'} number (rating)`);
      const t = parseTimestamp(f[3]);
      if (!Number.isFinite(t)) throw lineError(file, lineNo, `${quote(f[3])} is not a timestamp`);
      if (threshold !== undefined && rating < threshold) return;
      pairs.push(users.index(f[0]), items.index(f[1]), t);
    },
    (b) => onProgress?.(Math.min(0.95, (0.95 * b) / Math.max(1, size)), `reading ${file.display}`),
    signal,
  );
  const name = path.basename(isDir ? path.resolve(baseDir, cfg.path) : path.dirname(file.path));
  return buildPool(name, file, users, items, pairs);
}
