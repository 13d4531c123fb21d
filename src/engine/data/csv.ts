/**
 * CSV / TSV with one interaction per row. Columns are named (when `header` is true) or 0-based indices. Optional
 * rating (rows with rating < ratingThreshold are dropped) and timestamp (numbers or ISO dates; needed for
 * leave-last-out). Fields may be double-quoted; surrounding blanks are trimmed.
 */
import path from 'node:path';
import type { DatasetConfig } from '../config/types';
import { PairBuffer } from './csr';
import { DatasetError, fileError, lineError, type FileRef } from './errors';
import { StringIdMap } from './ids';
import { fileSize, nulColumn, resolveFile, scanLines } from './lines';
import { quote } from '../text/quote';
import type { PoolSource, Progress } from './source';
import { buildPool, parseNumber, parseTimestamp } from './tabular';

type CsvConfig = Extract<DatasetConfig, { kind: 'csv' }>;
type Column = string | number;

export async function loadCsv(cfg: CsvConfig, baseDir: string, onProgress?: Progress, signal?: AbortSignal): Promise<PoolSource> {
  const file = resolveFile(baseDir, cfg.path);
  const size = await fileSize(file);
  const split = splitter(cfg.delimiter);
  const cols = cfg.columns;
  if (cfg.ratingThreshold !== undefined && cols.rating === undefined) {
    throw fileError(file, '`ratingThreshold` is set but `columns.rating` is not');
  }
  const negAtMost = cfg.negativeRatingAtMost;
  if (negAtMost !== undefined && cols.rating === undefined) throw fileError(file, '`negativeRatingAtMost` is set but `columns.rating` is not');
  if (negAtMost !== undefined && cfg.ratingThreshold !== undefined && negAtMost >= cfg.ratingThreshold) {
    throw fileError(file, `\`negativeRatingAtMost\` (${negAtMost}) must be below \`ratingThreshold\` (${cfg.ratingThreshold}): a row cannot be both a positive and a negative`);
  }
  if (!cfg.header) {
    for (const [role, c] of Object.entries(cols)) {
      if (typeof c === 'string') throw fileError(file, `column ${role} is given by name (${quote(c)}) but \`header\` is false; use a 0-based index`);
    }
  }
  const useRating = cfg.ratingThreshold !== undefined || negAtMost !== undefined;
  const negatives = negAtMost !== undefined ? new PairBuffer(1024) : undefined;
  const useTime = cols.timestamp !== undefined;
  const users = new StringIdMap();
  const items = new StringIdMap();
  const pairs = new PairBuffer(size / 16, useTime);
  let idx: { user: number; item: number; rating: number; timestamp: number } | null = cfg.header
    ? null
    : { user: cols.user as number, item: cols.item as number, rating: useRating ? (cols.rating as number) : -1, timestamp: useTime ? (cols.timestamp as number) : -1 };
  let need = idx ? Math.max(idx.user, idx.item, idx.rating, idx.timestamp) + 1 : 0;

  await scanLines(
    file,
    (buf, start, end, lineNo) => {
      if (end > start && buf[end - 1] === 13) end--;
      const nul = nulColumn(buf, start, end);
      if (nul) throw lineError(file, lineNo, `column ${nul}: binary data (a NUL byte): this is not a CSV text file`);
      const line = buf.toString('utf8', start, end);
      if (line.includes('\ufffd')) checkUtf8(file, lineNo, buf.subarray(start, end));
      if (line.trim() === '') return;
      const fields = split(line);
      if (!idx) {
        const find = (role: string, c: Column): number => findColumn(file, lineNo, fields, role, c);
        idx = {
          user: find('user', cols.user),
          item: find('item', cols.item),
          rating: useRating ? find('rating', cols.rating!) : -1,
          timestamp: useTime ? find('timestamp', cols.timestamp!) : -1,
        };
        need = Math.max(idx.user, idx.item, idx.rating, idx.timestamp) + 1;
        return;
      }
      if (fields.length < need) {
        throw lineError(file, lineNo, `expected at least ${need} columns, found ${fields.length} (delimiter ${JSON.stringify(cfg.delimiter)})`);
      }
      const u = fields[idx.user];
      const i = fields[idx.item];
      if (u === '') throw lineError(file, lineNo, 'empty user id');
      if (i === '') throw lineError(file, lineNo, 'empty item id');
      if (useRating) {
        const r = parseNumber(fields[idx.rating]);
        if (!Number.isFinite(r)) throw lineError(file, lineNo, `${quote(fields[idx.rating])} is not ${Number.isNaN(r) ? 'a' : 'a finite'} number (rating)`);
        if (negatives && r <= negAtMost!) {
          negatives.push(users.index(u), items.index(i));
          return;
        }
        if (cfg.ratingThreshold !== undefined && r < cfg.ratingThreshold) return;
      }
      let t = 0;
      if (useTime) {
        t = parseTimestamp(fields[idx.timestamp]);
        if (!Number.isFinite(t)) throw lineError(file, lineNo, `${quote(fields[idx.timestamp])} is not a timestamp (expected a number or an ISO date)`);
      }
      pairs.push(users.index(u), items.index(i), t);
    },
    (b) => onProgress?.(Math.min(0.95, (0.95 * b) / Math.max(1, size)), `reading ${file.display}`),
    signal,
  );
  if (!idx && cfg.header) throw fileError(file, 'no header line (the file is empty)');
  const name = path.basename(file.path).replace(/\.(csv|tsv|txt|dat)$/i, '');
  return buildPool(name, file, users, items, pairs, negatives);
}

function findColumn(file: FileRef, lineNo: number, header: string[], role: string, c: Column): number {
  if (typeof c === 'number') {
    if (c >= header.length) throw lineError(file, lineNo, `${role} column index ${c} is out of range (the first line has ${header.length} columns)`);
    return c;
  }
  let k = header.indexOf(c);
  if (k < 0) k = header.findIndex((h) => h.toLowerCase() === c.toLowerCase());
  if (k < 0) throw lineError(file, lineNo, `no column named ${quote(c)} (${role}) in the header (columns: ${listColumns(header)})`);
  return k;
}

/** The header's column names for a message: each quoted, at most 20 of them. */
function listColumns(header: string[]): string {
  const shown = header.slice(0, 20).map((h) => (/^[\w .:/-]{1,40}$/.test(h) ? h : quote(h, 40))).join(', ');
  return header.length > 20 ? `${shown}, … ${header.length} in all` : shown;
}

/** Ids are compared as text: bytes that are not UTF-8 would all decode to U+FFFD and merge distinct ids. */
function checkUtf8(file: FileRef, lineNo: number, bytes: Buffer): void {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw lineError(file, lineNo, 'the line is not UTF-8 text (convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8)');
  }
}

/** Field splitter for a delimiter; accepts "tab"/"\\t", "comma", and " " or "whitespace" (runs of blanks). */
export function splitter(delimiter: string): (line: string) => string[] {
  const d = ({ tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', whitespace: ' ' } as Record<string, string>)[delimiter] ?? delimiter;
  if (d === '') throw new DatasetError('csv dataset: `delimiter` is empty');
  if (d === ' ') return (line) => line.trim().split(/\s+/);
  return (line) => (line.includes('"') ? splitQuoted(line, d) : line.split(d)).map((f) => f.trim());
}

function splitQuoted(line: string, d: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (quoted) {
      if (c === '"' && line[k + 1] === '"') {
        cur += '"';
        k++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (line.startsWith(d, k)) {
      out.push(cur);
      cur = '';
      k += d.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}
