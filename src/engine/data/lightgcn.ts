/**
 * LightGCN / NGCF text format: one line per user, `uid item item …`. Separators are runs of spaces or tabs; CR,
 * trailing blanks, blank lines and users with no items are accepted (amazon-book's test.txt has such lines).
 *
 * Ids: users are the uids that have a line in the train file, renumbered in ascending order (so 0..n-1 stays
 * identical); items follow LightGCN's n_items = max id + 1 over train ∪ test, identity-mapped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetConfig } from '../config/types';
import { fromPairs, PairBuffer } from './csr';
import { DatasetError, lineError, type FileRef } from './errors';
import { intIdMap } from './ids';
import { fileSize, isDirectory, nulColumn, resolveFile, scanLines } from './lines';
import { quote } from '../text/quote';
import type { GivenSource, Progress } from './source';

type LightGcnConfig = Extract<DatasetConfig, { kind: 'lightgcn' }>;

const SP = 32;
const TAB = 9;
const CR = 13;
const ZERO = 48;
const NINE = 57;
const MAX_ID = 0x7fffffff;

export async function loadLightGcn(cfg: LightGcnConfig, baseDir: string, onProgress?: Progress, signal?: AbortSignal): Promise<GivenSource> {
  const { train: trainFile, test: testFile, name } = await lightGcnFiles(cfg, baseDir);
  const trainBytes = await fileSize(trainFile);
  const testBytes = await fileSize(testFile);
  const total = Math.max(1, trainBytes + testBytes);
  const report = (done: number, msg: string): void => onProgress?.(Math.min(0.95, (0.95 * done) / total), msg);

  const trainPairs = new PairBuffer(trainBytes / 5);
  const trainLines = new PairBuffer(1024);
  await parseFile(trainFile, trainPairs, trainLines, (b) => report(b, `reading ${trainFile.display}`), signal);
  const testPairs = new PairBuffer(testBytes / 5);
  const testLines = new PairBuffer(1024);
  await parseFile(testFile, testPairs, testLines, (b) => report(trainBytes + b, `reading ${testFile.display}`), signal);

  if (trainPairs.length === 0) {
    throw new DatasetError(`${trainFile.display}: no interactions (the file has no user with an item)`, trainFile.path);
  }
  const users = intIdMap(trainLines.users, trainLines.length, 'dense');
  for (let k = 0; k < testLines.length; k++) {
    const raw = testLines.users[k];
    if (users.index(raw) < 0) {
      throw lineError(testFile, testLines.items[k], `user ${raw} has no line in ${trainFile.display}`);
    }
  }
  const allItems = new Int32Array(trainPairs.length + testPairs.length);
  allItems.set(trainPairs.items.subarray(0, trainPairs.length));
  allItems.set(testPairs.items.subarray(0, testPairs.length), trainPairs.length);
  const items = intIdMap(allItems, allItems.length, 'upToMax');

  onProgress?.(0.96, 'building matrices');
  const toDense = (p: PairBuffer): void => {
    if (!users.identity) for (let k = 0; k < p.length; k++) p.users[k] = users.index(p.users[k]);
    if (!items.identity) for (let k = 0; k < p.length; k++) p.items[k] = items.index(p.items[k]);
  };
  toDense(trainPairs);
  toDense(testPairs);
  const train = fromPairs(trainPairs.users, trainPairs.items, users.size, items.size, trainPairs.length);
  const test = fromPairs(testPairs.users, testPairs.items, users.size, items.size, testPairs.length);
  return { kind: 'given', name, train, test, userIds: users.rawIds(), itemIds: items.rawIds() };
}

async function lightGcnFiles(cfg: LightGcnConfig, baseDir: string): Promise<{ train: FileRef; test: FileRef; name: string }> {
  if (cfg.path === undefined && (cfg.train === undefined || cfg.test === undefined)) {
    throw new DatasetError('lightgcn dataset: set `path` (a folder with train.txt and test.txt) or both `train` and `test`');
  }
  if (cfg.path !== undefined && !(await isDirectory(path.resolve(baseDir, cfg.path)))) {
    const dir = resolveFile(baseDir, cfg.path);
    const what = fs.existsSync(dir.path) ? 'not a folder' : `folder not found (looked for ${dir.path})`;
    throw new DatasetError(`${dir.display}: ${what}; lightgcn \`path\` must be a folder holding train.txt and test.txt`, dir.path);
  }
  const train = cfg.train !== undefined ? resolveFile(baseDir, cfg.train) : resolveFile(baseDir, cfg.path!, 'train.txt');
  const test = cfg.test !== undefined ? resolveFile(baseDir, cfg.test) : resolveFile(baseDir, cfg.path!, 'test.txt');
  const name = path.basename(cfg.path !== undefined ? path.resolve(baseDir, cfg.path) : path.dirname(train.path));
  return { train, test, name };
}

/** Appends (raw user, raw item) to pairs, and (raw user, line number) for every non-blank line to lines. */
async function parseFile(file: FileRef, pairs: PairBuffer, lines: PairBuffer, onBytes: (b: number) => void, signal?: AbortSignal): Promise<void> {
  await scanLines(
    file,
    (buf, start, end, lineNo) => {
      let i = start;
      let user = -1;
      while (i < end) {
        let c = buf[i];
        if (c === SP || c === TAB || c === CR) {
          i++;
          continue;
        }
        const tokenStart = i;
        let v = 0;
        let ok = true;
        for (; i < end; i++) {
          c = buf[i];
          if (c === SP || c === TAB || c === CR) break;
          if (c < ZERO || c > NINE) ok = false;
          else v = v * 10 + (c - ZERO);
        }
        if (!ok || v > MAX_ID) {
          // at most 200 bytes of the token are decoded: a multi-megabyte token is reported by its start and length
          const token = buf.toString('utf8', tokenStart, Math.min(i, tokenStart + 200));
          const shown = quote(token, 40) + (i - tokenStart > 200 ? ` (${(i - tokenStart).toLocaleString('en-US')} bytes)` : '');
          const what = user < 0 ? 'user' : 'item';
          const column = tokenStart - start + 1;
          if (ok) {
            const digits = i - tokenStart <= 40 ? token : `${token.slice(0, 20)}… (${(i - tokenStart).toLocaleString('en-US')} digits)`;
            throw lineError(file, lineNo, `${what} id ${digits} is too large (max ${MAX_ID}; column ${column})`);
          }
          if (nulColumn(buf, tokenStart, i)) throw lineError(file, lineNo, `binary data (a NUL byte at column ${nulColumn(buf, start, end)}): this is not a LightGCN text file`);
          if (/^-[0-9]+$/.test(token)) throw lineError(file, lineNo, `${shown} is not an integer ${what} id: ids are integers ≥ 0 (column ${column})`);
          throw lineError(file, lineNo, `${shown} is not an integer ${what} id (column ${column}; expected "user item item …", blank-separated)`);
        }
        if (user < 0) {
          user = v;
          lines.push(v, lineNo);
        } else pairs.push(user, v);
      }
    },
    onBytes,
    signal,
  );
}
