/**
 * Seed groups in the compare view: the runs of a group (run.json `group`, from `--seeds` / `repeat`) are drawn as one
 * mean line with a ± std band per split and shown as one table row of mean ± std. Pure (no DOM).
 */
import type { RunHeader, SeriesChunk } from '../../src/protocol/webview';
import type { SeriesStore } from '../shared/series-store';
import { summaryCells, type RunRow } from '../shared/run-table';
import type { SummaryKind } from '../../src/runs/summary';

export interface SeedGroup {
  id: string;
  /** the series store's run id of the group's derived series */
  key: string;
  label: string;
  runs: RunHeader[];
}

export const groupKey = (id: string): string => `group:${id}`;

/** Groups with at least two of the runs shown, in the order of their first run. */
export function seedGroups(runs: readonly RunHeader[]): SeedGroup[] {
  const by = new Map<string, RunHeader[]>();
  for (const r of runs) if (r.group) by.set(r.group, [...(by.get(r.group) ?? []), r]);
  return [...by].filter(([, rs]) => rs.length >= 2).map(([id, rs]) => ({ id, key: groupKey(id), label: `${rs[0].experiment} · ${rs.length} seeds`, runs: rs }));
}

/** mean and sample std (n − 1) of numbers; std 0 for a single value */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/**
 * Chunks of a group's mean and mean ± std for one series key, per evaluated epoch (over the runs that reached it):
 * keys `<key>` (mean), `<key>/lo` and `<key>/hi`.
 */
export function groupChunks(store: SeriesStore, g: SeedGroup, key: string): SeriesChunk[] {
  const at = new Map<number, { v: number[]; step: number[]; wall: number[] }>();
  for (const r of g.runs) {
    const s = store.get(r.id, key);
    if (!s) continue;
    for (let i = 0; i < s.length; i++) {
      const e = s.epoch[i];
      const slot = at.get(e) ?? { v: [], step: [], wall: [] };
      slot.v.push(s.value[i]);
      slot.step.push(s.step[i]);
      slot.wall.push(s.wall[i]);
      at.set(e, slot);
    }
  }
  const epochs = [...at.keys()].sort((a, b) => a - b);
  if (!epochs.length) return [];
  const col = (f: (e: number) => number) => Float64Array.from(epochs, f);
  const stats = new Map(epochs.map((e) => [e, meanStd(at.get(e)!.v)]));
  const base = { runId: g.key, epoch: col((e) => e), step: col((e) => meanStd(at.get(e)!.step).mean), wall: col((e) => meanStd(at.get(e)!.wall).mean) };
  return [
    { ...base, key, value: col((e) => stats.get(e)!.mean) },
    { ...base, key: `${key}/lo`, value: col((e) => stats.get(e)!.mean - stats.get(e)!.std) },
    { ...base, key: `${key}/hi`, value: col((e) => stats.get(e)!.mean + stats.get(e)!.std) },
  ];
}

/** The table row of a group: mean ± std of each run's summary values (src/runs/summary.ts) over its runs. */
export function groupRow(g: SeedGroup, metric: string, kind: SummaryKind): RunRow {
  const cells = g.runs.map((r) => summaryCells(r.result, metric, kind));
  const pick = (f: (c: (typeof cells)[number]) => number | undefined) => cells.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const valid = pick((c) => c.valid);
  const test = pick((c) => c.test);
  const best = pick((c) => c.best);
  const finished = g.runs.filter((r) => r.status === 'finished').length;
  return {
    runId: g.key, name: g.label, status: finished === g.runs.length ? 'finished' : `${finished}/${g.runs.length} finished`, runs: g.runs.length,
    valid: valid.length ? meanStd(valid).mean : undefined, validStd: valid.length > 1 ? meanStd(valid).std : undefined,
    test: test.length ? meanStd(test).mean : undefined, testStd: test.length > 1 ? meanStd(test).std : undefined,
    best: best.length ? meanStd(best).mean : undefined, split: cells.find((c) => c.split)?.split,
  };
}
