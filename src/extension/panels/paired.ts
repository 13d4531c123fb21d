/**
 * The compare view's p-values: when the runs shown are exactly two runs, or the runs of exactly two seed groups, the
 * paired tests of `reclab compare --test` (src/scale/compare.ts: per-user test values at each run's selected epoch,
 * paired t-test and Wilcoxon signed-rank, Holm across the metrics tested).
 */
import path from 'node:path';
import type { PairedTestResult } from '../../protocol/webview';
import type { RunRecord } from '../../runs/reader';
import { groupFile, readGroup } from '../../runs/records';
import { pairedComparison, type Target } from '../../scale/compare';

/** the metrics tested (and Holm-corrected together), as `reclab compare --test` does by default */
export const PAIRED_METRICS = ['recall@20', 'ndcg@20'];

export function pairedTestOf(records: RunRecord[], runsDir: string, metrics = PAIRED_METRICS): PairedTestResult | undefined {
  if (records.length < 2) return undefined;
  const groups = [...new Set(records.map((r) => r.info.group))];
  let a: Target;
  let b: Target;
  let sides: [PairedTestResult['a'], PairedTestResult['b']];
  if (groups.length === 2 && groups.every((g) => g) && records.length > 2) {
    const targets = groups.map((g): Target => {
      const group = readGroup(groupFile(runsDir, g!));
      const runs = records.filter((r) => r.info.group === g);
      return { kind: 'group', label: group?.name ?? `${runs[0].info.experiment} (${runs.length} seeds)`, group: group!, runs };
    });
    [a, b] = targets;
    sides = [{ id: groups[0]!, label: a.label, kind: 'group' }, { id: groups[1]!, label: b.label, kind: 'group' }];
  } else if (records.length === 2) {
    a = { kind: 'run', label: records[0].info.name, run: records[0] };
    b = { kind: 'run', label: records[1].info.name, run: records[1] };
    sides = [{ id: records[0].id, label: a.label, kind: 'run' }, { id: records[1].id, label: b.label, kind: 'run' }];
  } else return undefined;
  try {
    const c = pairedComparison(a, b, metrics);
    return { a: sides[0], b: sides[1], users: c.users, selectSplit: c.selectSplit, rows: c.rows.map(({ metric, meanA, meanB, pT, pTHolm, pW, pWHolm }) => ({ metric, meanA, meanB, pT, pTHolm, pW, pWHolm })) };
  } catch (e) {
    return { a: sides[0], b: sides[1], error: (e as Error).message.replace(runsDir + path.sep, '') };
  }
}
