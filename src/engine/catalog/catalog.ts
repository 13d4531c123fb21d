/**
 * The dataset catalogue (catalog/datasets.json at the repository root, bundled into the engine): one entry per
 * dataset version, with the source pinned at a fixed commit or release and a checksum for every file.
 */
import fs from 'node:fs';
import path from 'node:path';
import raw from '../../../catalog/datasets.json';
import type { DatasetConfig } from '../config/types';

export interface CatalogFile {
  name: string;
  url: string;
  bytes?: number;
  sha256?: string;
  /** git blob id: sha1 of "blob <size>\0" + content */
  gitBlob?: string;
  md5?: string;
}

export interface CatalogEntry {
  name: string;
  version: string;
  title: string;
  description: string;
  source: Record<string, string>;
  format: string;
  files: CatalogFile[];
  /** name of a zip among `files` to unpack into the dataset folder after verification */
  extract?: string;
  /** how the engine loads it; paths are relative to the dataset folder (absent path = the folder itself) */
  dataset: Record<string, unknown> & { kind: DatasetConfig['kind'] };
  stats?: Record<string, number>;
  licence: string;
  citation: string;
  pinnedBy: string;
}

const HEX = { sha256: 64, gitBlob: 40, md5: 32 } as const;

/** Checks the shape of catalogue entries: names, at least one checksum per file, hex digests of the right length. */
export function validateCatalog(entries: CatalogEntry[], file = 'catalog/datasets.json'): CatalogEntry[] {
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const at = `${file}: datasets[${i}]`;
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(e.name ?? '')) throw new Error(`${at}.name: expected a lower-case name, got ${JSON.stringify(e.name)}`);
    if (seen.has(`${e.name}@${e.version}`)) throw new Error(`${at}: duplicate ${e.name}@${e.version}`);
    seen.add(`${e.name}@${e.version}`);
    for (const key of ['version', 'title', 'licence', 'citation', 'pinnedBy'] as const) {
      if (typeof e[key] !== 'string' || !e[key]) throw new Error(`${at}.${key}: missing`);
    }
    if (!e.dataset || typeof e.dataset.kind !== 'string') throw new Error(`${at}.dataset.kind: missing`);
    e.files.forEach((f, j) => {
      const fat = `${at}.files[${j}]`;
      if (!/^[\w.-]+$/.test(f.name)) throw new Error(`${fat}.name: expected a plain file name`);
      if (!/^https:\/\//.test(f.url)) throw new Error(`${fat}.url: expected an https URL`);
      if (!f.sha256 && !f.gitBlob && !f.md5) throw new Error(`${fat}: no checksum (sha256, gitBlob or md5)`);
      for (const [k, n] of Object.entries(HEX)) {
        const v = f[k as keyof typeof HEX];
        if (v !== undefined && !new RegExp(`^[0-9a-f]{${n}}$`).test(v)) throw new Error(`${fat}.${k}: expected ${n} lower-case hex digits`);
      }
    });
    if (e.extract && !e.files.some((f) => f.name === e.extract)) throw new Error(`${at}.extract: no file named ${e.extract}`);
  });
  return entries;
}

const CATALOG = validateCatalog((raw as unknown as { datasets: CatalogEntry[] }).datasets);

/**
 * The built-in entries, then those of the files listed in RECLAB_CATALOG (path-separated), e.g. a lab's private
 * datasets or test fixtures; a later entry with the same name and version replaces an earlier one.
 */
export function catalogEntries(env: NodeJS.ProcessEnv = process.env): readonly CatalogEntry[] {
  const extra = (env.RECLAB_CATALOG ?? '').split(path.delimiter).filter(Boolean);
  if (!extra.length) return CATALOG;
  const out = [...CATALOG];
  for (const file of extra) {
    let parsed: { datasets?: CatalogEntry[] };
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { datasets?: CatalogEntry[] };
    } catch (e) {
      throw new Error(`RECLAB_CATALOG: cannot read ${file} (${(e as Error).message})`);
    }
    for (const e of validateCatalog(parsed.datasets ?? [], file)) {
      const i = out.findIndex((o) => o.name === e.name && o.version === e.version);
      if (i >= 0) out[i] = e;
      else out.push(e);
    }
  }
  return out;
}

/** The entry named `name` (`name@version` picks a version; otherwise the last listed version). */
export function catalogEntry(spec: string, entries: readonly CatalogEntry[] = catalogEntries()): CatalogEntry {
  const [name, version] = spec.split('@');
  const matches = entries.filter((e) => e.name === name && (!version || e.version === version));
  if (!matches.length) {
    const names = [...new Set(entries.map((e) => e.name))].join(', ');
    throw new Error(`"${spec}" is not in the dataset catalogue (${names})`);
  }
  return matches[matches.length - 1];
}
