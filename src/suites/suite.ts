/**
 * Paper-table suites: a JSON file listing a table's rows — method, backbone, dataset, the config that reproduces it
 * and the published numbers with their source — so `reclab reproduce` can run them and put ours beside theirs.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface SuiteRow {
  /** short id, used by --rows and in run ids */
  id: string;
  method: string;
  backbone: string;
  dataset: string;
  /** experiment config, relative to the suite file */
  config: string;
  /** config overrides applied like --set (dotted path → value) */
  set?: Record<string, unknown>;
  /** published values by metric key (e.g. recall@20); may be empty when the paper gives none */
  published: Record<string, number>;
  /** where the published numbers come from (paper, table, row; or official log) */
  source: string;
  /** how the published number selected its epoch: the seed papers select on test */
  publishedProtocol?: 'test' | 'valid';
  note?: string;
}

export interface Suite {
  name: string;
  title: string;
  /** metric keys compared, in column order */
  metrics: string[];
  rows: SuiteRow[];
  /** absolute path of the suite file */
  file: string;
}

export class SuiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SuiteError';
  }
}

export function loadSuite(file: string): Suite {
  const abs = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new SuiteError(`${file}: cannot read the suite (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const s = raw as Partial<Suite> & { rows?: Partial<SuiteRow>[] };
  const fail = (where: string, what: string): never => {
    throw new SuiteError(`${file}: ${where}: ${what}`);
  };
  if (typeof s !== 'object' || s === null) fail('$', 'expected an object');
  if (typeof s.name !== 'string' || !/^[\w.-]+$/.test(s.name)) fail('$.name', 'expected a name of letters, digits, . _ -');
  if (typeof s.title !== 'string') fail('$.title', 'expected a string');
  if (!Array.isArray(s.metrics) || !s.metrics.length || s.metrics.some((m) => typeof m !== 'string' || !/^[a-z]+@\d+$/.test(m))) {
    fail('$.metrics', 'expected metric keys like "recall@20"');
  }
  if (!Array.isArray(s.rows) || !s.rows.length) fail('$.rows', 'expected a non-empty array');
  const ids = new Set<string>();
  s.rows!.forEach((r, i) => {
    const at = `$.rows[${i}]`;
    if (typeof r.id !== 'string' || !/^[\w.-]+$/.test(r.id)) fail(`${at}.id`, 'expected an id of letters, digits, . _ -');
    if (ids.has(r.id!)) fail(`${at}.id`, `duplicate id "${r.id}"`);
    ids.add(r.id!);
    for (const k of ['method', 'backbone', 'dataset', 'config', 'source'] as const) {
      if (typeof r[k] !== 'string' || !r[k]) fail(`${at}.${k}`, 'expected a non-empty string');
    }
    if (typeof r.published !== 'object' || r.published === null) fail(`${at}.published`, 'expected an object of metric → number');
    for (const [k, v] of Object.entries(r.published!)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${at}.published["${k}"]`, 'expected a number');
    }
    if (r.set !== undefined && (typeof r.set !== 'object' || r.set === null || Array.isArray(r.set))) fail(`${at}.set`, 'expected an object of dotted path → value');
    if (!fs.existsSync(path.resolve(path.dirname(abs), r.config!))) fail(`${at}.config`, `file not found: ${r.config}`);
  });
  return { ...(s as Suite), file: abs };
}

/** The rows named by --rows (comma-separated ids), in suite order; all rows without a selection. */
export function selectRows(suite: Suite, ids?: string): SuiteRow[] {
  if (!ids) return suite.rows;
  const wanted = ids.split(',').map((x) => x.trim()).filter(Boolean);
  for (const id of wanted) {
    if (!suite.rows.some((r) => r.id === id)) {
      throw new SuiteError(`${suite.name}: no row "${id}" (rows: ${suite.rows.map((r) => r.id).join(', ')})`);
    }
  }
  return suite.rows.filter((r) => wanted.includes(r.id));
}

/** The --set strings of a row's overrides. */
export function rowOverrides(row: SuiteRow): string[] {
  return Object.entries(row.set ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}
