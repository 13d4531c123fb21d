/**
 * Comparing runs and seed groups: a group's best metrics as mean ± std with a 95 % t interval over its runs, and the
 * paired tests of `reclab compare --test A B` on per-user test values at each run's best epoch (a group contributes
 * each user's mean over its runs), Holm-corrected across the metrics tested.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MetricValues } from '../protocol/events';
import type { RunSummary } from '../runs/format';
import { readRun, type RunRecord } from '../runs/reader';
import { groupFile, readGroup, type GroupRecord } from '../runs/records';
import { column, readPerUser, type PerUserFile } from '../runs/per-user';
import { holm, pairedTTest, summarize, wilcoxonSignedRank, type Summary } from '../engine/analysis/significance';

export type Target =
  | { kind: 'run'; label: string; run: RunRecord }
  | { kind: 'group'; label: string; group: GroupRecord; runs: RunRecord[] };

/** A run directory, a `.group.json` file, or the id of a run or group in the runs folder. */
export function resolveTarget(arg: string, runsDir: string): Target {
  const candidates = [path.resolve(arg), path.join(runsDir, arg)];
  for (const c of candidates) {
    if (c.endsWith('.group.json') && fs.existsSync(c)) return groupTarget(c, runsDir);
    const run = readRun(c);
    if (run) return { kind: 'run', label: run.info.name, run };
    if (fs.existsSync(`${c}.group.json`)) return groupTarget(`${c}.group.json`, runsDir);
  }
  const g = groupFile(runsDir, arg);
  if (fs.existsSync(g)) return groupTarget(g, runsDir);
  throw new Error(`${arg}: neither a run directory nor a group (looked in ${runsDir})`);
}

function groupTarget(file: string, runsDir: string): Target {
  const group = readGroup(file);
  if (!group) throw new Error(`${file}: not a group record`);
  const dir = path.dirname(file) || runsDir;
  const runs = group.runs.map((r) => readRun(path.join(dir, r.runId))).filter((r): r is RunRecord => !!r);
  return { kind: 'group', label: group.name, group, runs };
}

/** Test metrics at the best epoch (the selection split's when selecting on test). */
export function bestTest(s: RunSummary | undefined): MetricValues | undefined {
  return s?.bestTest ?? (s?.selectSplit === 'test' ? s.best : undefined);
}

export interface GroupStats {
  runs: number;
  finished: number;
  metrics: Record<string, Summary>;
  bestEpoch?: Summary;
  wallSeconds?: Summary;
}

/** mean ± std and the 95 % interval of each best-test metric over the group's runs that have one. */
export function groupStats(runs: RunRecord[]): GroupStats {
  const withBest = runs.filter((r) => bestTest(r.summary));
  const keys = withBest.length ? Object.keys(bestTest(withBest[0].summary)!) : [];
  const metrics: Record<string, Summary> = {};
  for (const k of keys) metrics[k] = summarize(withBest.map((r) => bestTest(r.summary)![k]).filter((v) => v !== undefined));
  return {
    runs: runs.length,
    finished: runs.filter((r) => r.info.status === 'finished').length,
    metrics,
    bestEpoch: withBest.length ? summarize(withBest.map((r) => r.summary!.bestEpoch ?? 0)) : undefined,
    wallSeconds: withBest.length ? summarize(withBest.map((r) => r.summary!.wallSeconds)) : undefined,
  };
}

export const fmtMeanStd = (s: Summary, digits = 4): string =>
  s.n < 2 ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)} [${s.lo.toFixed(digits)}, ${s.hi.toFixed(digits)}]`;

/** Per-user test values of a run, or of a group (each user's mean over the group's runs; users in every run). */
export function perUserOf(t: Target): { file: PerUserFile; runs: number; selectSplit?: string } {
  const runs = t.kind === 'run' ? [t.run] : t.runs;
  const files = runs.map((r) => ({ r, f: readPerUser(r.dir, 'test') }));
  const missing = files.filter((x) => !x.f).map((x) => x.r.id);
  if (missing.length) throw new Error(`${t.label}: no per-user test values for ${missing.join(', ')} (runs trained before per-user values were kept; re-run them)`);
  const fs0 = files.map((x) => x.f!);
  if (fs0.length === 1) return { file: fs0[0], runs: 1, selectSplit: runs[0].summary?.selectSplit };
  const keys = fs0[0].keys;
  const common = intersectUsers(fs0.map((f) => f.users));
  const values = new Float32Array(common.length * keys.length);
  for (const f of fs0) {
    const rowOf = new Map<number, number>();
    f.users.forEach((u, r) => rowOf.set(u, r));
    keys.forEach((k, j) => {
      const jj = f.keys.indexOf(k);
      if (jj < 0) throw new Error(`${t.label}: runs measure different metrics (${k} missing)`);
      common.forEach((u, r) => (values[r * keys.length + j] += f.values[rowOf.get(u)! * f.keys.length + jj] / fs0.length));
    });
  }
  return { file: { split: 'test', epoch: -1, users: common, keys, values }, runs: fs0.length, selectSplit: runs[0].summary?.selectSplit };
}

function intersectUsers(lists: Int32Array[]): Int32Array {
  let set = new Set(lists[0]);
  for (const l of lists.slice(1)) {
    const next = new Set<number>();
    for (const u of l) if (set.has(u)) next.add(u);
    set = next;
  }
  return Int32Array.from([...set].sort((a, b) => a - b));
}

export interface PairedRow {
  metric: string;
  meanA: number;
  meanB: number;
  t: number;
  pT: number;
  pTHolm: number;
  wilcoxonW: number;
  pW: number;
  pWHolm: number;
}

export interface PairedComparison {
  a: string;
  b: string;
  users: number;
  /** how the best epochs were picked: valid (honest) or test (the papers' protocol) */
  selectSplit: string;
  rows: PairedRow[];
}

/** Paired t-test and Wilcoxon signed-rank per metric on the users both sides evaluated; Holm across the metrics. */
export function pairedComparison(a: Target, b: Target, metrics: string[]): PairedComparison {
  const A = perUserOf(a);
  const B = perUserOf(b);
  const users = intersectUsers([A.file.users, B.file.users]);
  if (users.length < 2) throw new Error(`${a.label} and ${b.label} share ${users.length} evaluated users: not the same dataset and split?`);
  const pick = (f: PerUserFile, key: string): Float64Array => {
    const col = column(f, key);
    const rowOf = new Map<number, number>();
    f.users.forEach((u, r) => rowOf.set(u, r));
    return Float64Array.from(users, (u) => col[rowOf.get(u)!]);
  };
  const raw = metrics.map((m) => {
    const x = pick(A.file, m);
    const y = pick(B.file, m);
    const t = pairedTTest(x, y);
    const w = wilcoxonSignedRank(x, y);
    const mean = (v: Float64Array): number => v.reduce((s, q) => s + q, 0) / v.length;
    return { metric: m, meanA: mean(x), meanB: mean(y), t: t.t, pT: t.p, wilcoxonW: w.w, pW: w.p };
  });
  const hT = holm(raw.map((r) => r.pT));
  const hW = holm(raw.map((r) => r.pW));
  const split = A.selectSplit === B.selectSplit ? A.selectSplit ?? 'valid' : `${A.selectSplit} / ${B.selectSplit}`;
  return { a: a.label, b: b.label, users: users.length, selectSplit: split, rows: raw.map((r, i) => ({ ...r, pTHolm: hT[i], pWHolm: hW[i] })) };
}
