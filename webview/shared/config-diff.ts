/** Config diff across runs: flatten each config to dotted paths, then list every path with one value per run. */

export type Flat = Map<string, string>;

/** Flattens nested objects to dotted paths; arrays and scalars become JSON text leaves. */
export function flattenConfig(value: unknown, prefix = '', out: Flat = new Map()): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length && prefix) out.set(prefix, '{}');
    for (const [k, v] of entries) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value === undefined ? '' : JSON.stringify(value));
  }
  return out;
}

export interface DiffRow {
  path: string;
  /** one entry per run, in run order; undefined when the run's config lacks the path */
  values: (string | undefined)[];
  differs: boolean;
}

export function diffConfigs(configs: readonly unknown[], onlyDiffering: boolean): DiffRow[] {
  const flats = configs.map((c) => flattenConfig(c));
  const paths = new Set<string>();
  for (const f of flats) for (const p of f.keys()) paths.add(p);
  const rows: DiffRow[] = [];
  for (const path of paths) {
    const values = flats.map((f) => f.get(path));
    const differs = values.some((v) => v !== values[0]);
    if (!onlyDiffering || differs) rows.push({ path, values, differs });
  }
  return rows;
}
