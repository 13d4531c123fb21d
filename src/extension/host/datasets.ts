/**
 * The Datasets view as plain data (no vscode): the datasets the workspace's configs refer to, with the statistics
 * the engine recorded for them (the `start` event of the newest run that used the config).
 */
import type { DatasetStats } from '../../protocol/events';

export interface ConfigFile {
  /** absolute path */
  path: string;
  /** parsed JSON (possibly invalid as a config) */
  json: unknown;
}

export interface DatasetEntry {
  key: string;
  label: string;
  kind: string;
  detail: string;
  configs: string[];
  stats?: DatasetStats;
}

export function datasetOf(json: unknown): { key: string; label: string; kind: string; detail: string } | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const ds = (json as { dataset?: Record<string, unknown> }).dataset;
  if (!ds || typeof ds !== 'object') return { key: 'synthetic', label: 'synthetic (default)', kind: 'synthetic', detail: 'built-in generator' };
  const kind = typeof ds.kind === 'string' ? ds.kind : typeof ds.catalog === 'string' ? 'catalog' : 'synthetic';
  if (kind === 'catalog') return { key: `catalog:${String(ds.catalog)}`, label: `${String(ds.catalog)} (catalogue)`, kind, detail: 'from the dataset catalogue' };
  if (kind === 'synthetic') {
    const users = ds.users ?? 3000;
    const items = ds.items ?? 2000;
    const key = `synthetic:${users}x${items}:${ds.seed ?? ''}:${ds.interactionsPerUser ?? ''}`;
    return { key, label: `synthetic ${users}×${items}`, kind, detail: `seed ${ds.seed ?? 'default'}` };
  }
  const where = String(ds.path ?? ds.train ?? '?');
  return { key: `${kind}:${where}`, label: `${lastSegment(where)} (${kind})`, kind, detail: where };
}

export function collectDatasets(configs: readonly ConfigFile[], statsForConfig: (configPath: string) => DatasetStats | undefined): DatasetEntry[] {
  const byKey = new Map<string, DatasetEntry>();
  for (const c of configs) {
    const d = datasetOf(c.json);
    if (!d) continue;
    let e = byKey.get(d.key);
    if (!e) {
      e = { ...d, configs: [] };
      byKey.set(d.key, e);
    }
    e.configs.push(c.path);
    e.stats ??= statsForConfig(c.path);
  }
  return [...byKey.values()].sort((a, b) => a.label.localeCompare(b.label));
}

export function formatStats(s: DatasetStats): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    `users ${n(s.users)} · items ${n(s.items)}`,
    `train ${n(s.train)} · valid ${n(s.valid)} · test ${n(s.test)}`,
    `density ${(100 * s.density).toFixed(3)}% · Gini ${s.giniItemPopularity.toFixed(3)}`,
  ];
}

function lastSegment(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}
