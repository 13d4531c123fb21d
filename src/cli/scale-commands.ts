/**
 * The CLI's experiment-at-scale commands: seed groups (`train --seeds`), comparisons with groups and paired tests
 * (`compare --test`), searching sweeps with their records (`sweep`, `sweeps`, `sweep-show`), Slurm array tasks
 * (`trial`) and cancelling a sweep's trial (`cancel`).
 */
import path from 'node:path';
import { fmtDuration, fmtMetric, table } from './console-reporter';
import { bestTest, fmtMeanStd, groupStats, pairedComparison, resolveTarget, type PairedComparison, type Target } from '../scale/compare';
import { listGroups, listSweeps, readSweep, sweepFile, type SweepRecord } from '../runs/records';
import { bestTrial } from '../scale/sweep';
import { executor } from '../scale/executors';

/** One table of runs and groups: a group's metrics as mean ± std [95 % interval] over its runs. */
export function compareTargetsTable(targets: Target[]): string {
  let keys: string[] = [];
  const rows: string[][] = [];
  for (const t of targets) {
    if (t.kind === 'run') {
      const test = bestTest(t.run.summary);
      if (!keys.length && test) keys = Object.keys(test).filter((k) => /@20$/.test(k));
      rows.push([t.label, t.run.info.status, t.run.summary?.bestEpoch !== undefined ? String(t.run.summary.bestEpoch) : '—', ...keys.map((k) => fmtMetric(test?.[k])), t.run.summary ? fmtDuration(t.run.summary.wallSeconds) : '—']);
    } else {
      const g = groupStats(t.runs);
      if (!keys.length) keys = Object.keys(g.metrics).filter((k) => /@20$/.test(k));
      rows.push([
        `${t.label}`, `${g.finished}/${t.group.seeds.length} finished`, g.bestEpoch ? g.bestEpoch.mean.toFixed(1) : '—',
        ...keys.map((k) => (g.metrics[k] ? fmtMeanStd(g.metrics[k]) : '—')), g.wallSeconds ? fmtDuration(g.wallSeconds.mean) : '—',
      ]);
    }
  }
  const note = targets.some((t) => t.kind === 'group') ? '\ngroups: mean ± std [95 % t interval] over the seeds\' best epochs' : '';
  return table(['run / group', 'status', 'best ep', ...keys.map((k) => `test ${k}`), 'wall'], rows) + note;
}

export function compareCommand(args: string[], runsDir: string, test: boolean, metrics: string[]): string {
  const targets = args.map((a) => resolveTarget(a, runsDir));
  const out = [compareTargetsTable(targets)];
  if (test) {
    if (targets.length !== 2) throw new Error('--test compares exactly two runs or groups: reclab compare --test A B');
    out.push('', pairedText(pairedComparison(targets[0], targets[1], metrics)));
  }
  return out.join('\n');
}

const fmtP = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

export function pairedText(c: PairedComparison): string {
  const protocol = c.selectSplit === 'test' ? 'best epochs picked on test — the papers\' protocol' : `best epochs picked on ${c.selectSplit}`;
  const head = `paired tests on per-user test values, ${c.users} users (${protocol}); A = ${c.a}, B = ${c.b}; Holm-corrected across ${c.rows.length} metrics`;
  const rows = c.rows.map((r) => [
    r.metric, r.meanA.toFixed(4), r.meanB.toFixed(4), (r.meanA - r.meanB >= 0 ? '+' : '') + (r.meanA - r.meanB).toFixed(4),
    r.t.toFixed(3), fmtP(r.pT), fmtP(r.pTHolm), fmtP(r.pW), fmtP(r.pWHolm), r.pTHolm < 0.05 && r.pWHolm < 0.05 ? 'yes' : 'no',
  ]);
  return head + '\n' + table(['metric', 'A', 'B', 'A − B', 't', 'p (t)', 'p Holm', 'p (Wilcoxon)', 'p Holm', 'sig. 0.05'], rows);
}

export function groupsCommand(runsDir: string): string {
  const groups = listGroups(runsDir);
  if (!groups.length) return 'no groups';
  return table(['group', 'name', 'seeds', 'runs'], groups.map((g) => [g.id, g.name, g.seeds.join(','), String(g.runs.length)]));
}

export function sweepsCommand(runsDir: string): string {
  const sweeps = listSweeps(runsDir);
  if (!sweeps.length) return 'no sweeps';
  return table(['sweep', 'status', 'strategy', 'executor', 'trials', 'best'], sweeps.map((s) => {
    const b = bestTrial(s);
    return [s.id, s.status, s.strategy + (s.search.scheduler.kind === 'asha' ? '+asha' : ''), s.executor.kind, trialCounts(s), b ? `${s.metric} ${b.value!.toFixed(4)} (trial ${b.index})` : '—'];
  }));
}

function trialCounts(s: SweepRecord): string {
  const c: Record<string, number> = {};
  for (const t of s.trials) {
    const k = t.pruned ? 'pruned' : t.status;
    c[k] = (c[k] ?? 0) + 1;
  }
  return Object.entries(c).map(([k, n]) => `${n} ${k}`).join(', ') || '0';
}

export function resolveSweepFile(arg: string, runsDir: string): string {
  if (arg.endsWith('.sweep.json')) return path.resolve(arg);
  const f = sweepFile(runsDir, arg);
  if (readSweep(f)) return f;
  const prefix = listSweeps(runsDir).filter((s) => s.id.startsWith(arg));
  if (prefix.length === 1) return sweepFile(runsDir, prefix[0].id);
  throw new Error(`${arg}: no such sweep in ${runsDir}${prefix.length > 1 ? ` (ambiguous: ${prefix.map((s) => s.id).join(', ')})` : ''}`);
}

/** A sweep's trials (point, status, value, job) and, with decisions, every decision it recorded. */
export function sweepShowText(s: SweepRecord, decisions = true): string {
  const paths = Object.keys(s.space);
  const fmt = (v: unknown): string => (typeof v === 'number' ? String(+v.toPrecision(4)) : JSON.stringify(v));
  const lines = [
    `${s.name} — ${s.id}`,
    `status ${s.status}${s.reason ? ` (${s.reason})` : ''} · ${s.strategy}${s.search.scheduler.kind === 'asha' ? ` + ASHA (minEpochs ${s.search.scheduler.minEpochs}, η ${s.search.scheduler.eta})` : ''} · executor ${s.executor.kind} · ${trialCounts(s)} · active ${fmtDuration(s.activeSeconds)}`,
    table(['trial', ...paths, 'status', s.metric, 'epoch', 'job', 'run'], s.trials.map((t) => [
      String(t.index), ...paths.map((p) => fmt(t.point[p])), t.pruned ? 'pruned' : t.status, t.value !== undefined ? t.value.toFixed(4) : '—',
      t.epoch !== undefined ? String(t.epoch) : '—', t.job?.id ? `${t.job.id} ${t.job.state ?? ''}${t.job.reason ? ` (${t.job.reason})` : ''}` : '—', t.runId ?? '—',
    ])),
  ];
  const b = bestTrial(s);
  if (b) lines.push(`best: trial ${b.index}, ${s.metric} ${b.value!.toFixed(4)} — ${Object.entries(b.point).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`);
  if (decisions && s.decisions.length) {
    lines.push('', 'decisions:');
    for (const d of s.decisions) lines.push(`  ${new Date(d.t).toISOString().slice(11, 19)} ${d.kind.padEnd(8)} ${d.message.split('\n')[0]}`);
  }
  return lines.join('\n');
}

export async function cancelCommand(runsDir: string, sweepArg: string, trialArg: string): Promise<string> {
  const file = resolveSweepFile(sweepArg, runsDir);
  const s = readSweep(file)!;
  const t = s.trials[Number(trialArg)];
  if (!t) throw new Error(`sweep ${s.id} has no trial ${trialArg}`);
  await executor(s.executor.kind).cancelTrial(s, t);
  return `cancel requested for trial ${t.index}${t.job?.id ? ` (Slurm job ${t.job.id})` : ''}`;
}
