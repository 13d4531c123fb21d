import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../src/protocol/events';
import { formatHeadline, headline, SummaryTracker, summaryFromEvents, type ResultSummary } from '../../src/runs/summary';

const ev = (epoch: number, split: 'valid' | 'test', ndcg: number): RunEvent => ({ t: epoch, kind: 'eval', epoch, split, metrics: { 'ndcg@20': ndcg, 'recall@20': 2 * ndcg }, seconds: 0, users: 1 });

// the case: valid peaks at 52, test peaks later at 56 — the result is test at 52, never the test maximum
const curve: RunEvent[] = [
  ev(50, 'valid', 0.25), ev(50, 'test', 0.37),
  ev(52, 'valid', 0.2648), ev(52, 'test', 0.3801),
  ev(54, 'valid', 0.26), ev(54, 'test', 0.3804),
  ev(56, 'valid', 0.2600), ev(56, 'test', 0.3806),
  ev(58, 'valid', 0.21), ev(58, 'test', 0.30),
];

test('summary: selects on valid, reports every split at that epoch, offers last/min/max labelled', () => {
  const t = new SummaryTracker('ndcg@20', 'valid');
  const improved = curve.map((e) => (e.kind === 'eval' ? t.add(e.epoch, e.split, e.metrics) : false));
  assert.deepEqual(improved, [true, false, true, false, false, false, false, false, false, false]);
  const s = t.fill<ResultSummary>({ selectMetric: 'ndcg@20', selectSplit: 'valid' });
  assert.deepEqual(s.selection, { metric: 'ndcg@20', split: 'valid', epoch: 52, value: 0.2648 });
  assert.equal(s.atSelection?.test?.['ndcg@20'], 0.3801);
  assert.equal(s.bestTest?.['ndcg@20'], 0.3801, 'legacy field is the test value at the selected epoch');
  assert.equal(s.best?.['ndcg@20'], 0.2648);
  assert.equal(s.lastEpoch, 58);
  assert.equal(formatHeadline(headline(s, 'ndcg@20')), 'ndcg@20 valid 0.2648 · test 0.3801 @ ep 52');
  assert.equal(formatHeadline(headline(s, 'recall@20')), 'recall@20 valid 0.5296 · test 0.7602 @ ep 52');
  assert.equal(formatHeadline(headline(s, 'ndcg@20', 'max')), 'max ndcg@20 valid 0.2648 @ ep 52 · test 0.3806 @ ep 56');
  assert.equal(formatHeadline(headline(s, 'ndcg@20', 'last')), 'last ndcg@20 valid 0.2100 · test 0.3000 @ ep 58');
  assert.equal(formatHeadline(headline(s, 'ndcg@20', 'min')), 'min ndcg@20 valid 0.2100 · test 0.3000 @ ep 58');
  assert.equal(headline(s, 'mrr@10')?.metric, 'ndcg@20', 'falls back to the selection metric');
  // the same result rebuilt from the events
  assert.deepEqual(summaryFromEvents(curve, 'ndcg@20', 'valid'), s);
});

test('summary: selecting on test reports test only; legacy summaries read the same way', () => {
  const t = new SummaryTracker('ndcg@20', 'test');
  for (const e of curve) if (e.kind === 'eval' && e.split === 'test') t.add(e.epoch, e.split, e.metrics);
  const s = t.fill({ selectMetric: 'ndcg@20', selectSplit: 'test' as const });
  assert.equal(formatHeadline(headline(s, 'ndcg@20')), 'ndcg@20 test 0.3806 @ ep 56');
  const legacy = { selectMetric: 'ndcg@20', selectSplit: 'valid' as const, bestEpoch: 52, best: { 'ndcg@20': 0.2648 }, bestTest: { 'ndcg@20': 0.3801 } };
  assert.equal(formatHeadline(headline(legacy, 'ndcg@20')), 'ndcg@20 valid 0.2648 · test 0.3801 @ ep 52');
  assert.equal(headline(undefined, 'ndcg@20'), undefined);
  // non-finite values never become the selection
  const n = new SummaryTracker('ndcg@20', 'valid');
  assert.equal(n.add(1, 'valid', { 'ndcg@20': Number.NaN }), false);
  assert.equal(n.selected, undefined);
});
