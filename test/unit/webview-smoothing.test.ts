import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debiasedEma, IncrementalEma } from '../../webview/shared/smoothing';
import { alignUnion, lowerBound, lttb, minMaxGrid, upperBound } from '../../webview/shared/decimate';
import { finiteExtent, padExtent, quantileSorted, robustExtent } from '../../webview/shared/extent';

/** TensorBoard's resmoothDataset (vz_line_chart2/line-chart.ts), transcribed as the oracle. */
function tensorboardSmooth(ys: number[], w: number): number[] {
  let last = ys.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = ys.every((v) => v == ys[0]);
  return ys.map((next) => {
    if (isConstant || !Number.isFinite(next)) return next;
    last = last * w + (1 - w) * next;
    numAccum++;
    let debiasWeight = 1;
    if (w !== 1) debiasWeight = 1 - Math.pow(w, numAccum);
    return last / debiasWeight;
  });
}

const noisy = Array.from({ length: 500 }, (_, i) => Math.exp(-i / 100) + 0.1 * Math.sin(i * 1.7) + (i === 3 ? 5 : 0));

test('debiased EMA equals TensorBoard for several weights', () => {
  for (const w of [0, 0.3, 0.6, 0.9, 0.99]) {
    const ours = debiasedEma(noisy, w);
    const tb = tensorboardSmooth(noisy, w);
    for (let i = 0; i < noisy.length; i++) assert.ok(Math.abs(ours[i] - tb[i]) < 1e-12, `w=${w} i=${i}: ${ours[i]} vs ${tb[i]}`);
  }
});

test('first smoothed value is the first raw value (debiasing), weight 0 is the identity', () => {
  assert.equal(debiasedEma([3, 4], 0.6)[0], 3);
  assert.deepEqual([...debiasedEma([1, 5, 2], 0)], [1, 5, 2]);
});

test('non-finite values pass through and do not count', () => {
  const ys = [1, NaN, 3, Infinity, 5];
  const ours = debiasedEma(ys, 0.5);
  const tb = tensorboardSmooth(ys, 0.5);
  assert.ok(Number.isNaN(ours[1]));
  assert.equal(ours[3], Infinity);
  for (const i of [0, 2, 4]) assert.ok(Math.abs(ours[i] - tb[i]) < 1e-12);
});

test('a constant series stays exactly constant', () => {
  assert.deepEqual([...debiasedEma([0.1, 0.1, 0.1, 0.1], 0.9)], [0.1, 0.1, 0.1, 0.1]);
});

test('incremental smoothing over appended chunks equals smoothing the whole series', () => {
  const ema = new IncrementalEma(0.8);
  const out = new Float64Array(noisy.length);
  for (let n = 7; n <= noisy.length; n += 37) ema.extend(noisy.slice(0, n), out);
  ema.extend(noisy, out);
  const whole = debiasedEma(noisy, 0.8);
  for (let i = 0; i < noisy.length; i++) assert.ok(Math.abs(out[i] - whole[i]) < 1e-12);
});

test('binary searches find range bounds', () => {
  const x = [1, 2, 2, 3, 5];
  assert.equal(lowerBound(x, 5, 2), 1);
  assert.equal(upperBound(x, 5, 2), 3);
  assert.equal(lowerBound(x, 5, 6), 5);
  assert.equal(upperBound(x, 5, 0), 0);
});

test('min-max grid keeps every bucket extreme, in order, and shares one x array', () => {
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 500) + (i === 54321 ? 10 : 0) + (i === 777 ? -10 : 0));
  const y2 = Float64Array.from({ length: n / 2 }, (_, i) => i);
  const x2 = Float64Array.from({ length: n / 2 }, (_, i) => i * 2);
  const g = minMaxGrid([{ x, y, length: n }, { x: x2, y: y2, length: n / 2 }], 0, n - 1, 400);
  assert.equal(g.x.length, 800);
  assert.equal(g.ys.length, 2);
  assert.ok(g.ys.every((ys) => ys.length === 800));
  const vals = g.ys[0].filter((v): v is number => v !== null);
  assert.equal(Math.max(...vals), Math.max(...y));
  assert.equal(Math.min(...vals), Math.min(...y));
  // monotone series: each bucket's pair is (min, max) in order
  const b = g.ys[1];
  for (let k = 0; k < b.length; k += 2) if (b[k] !== null) assert.ok(b[k]! <= b[k + 1]!);
  for (let k = 1; k < g.x.length; k++) assert.ok(g.x[k] > g.x[k - 1]);
});

test('min-max grid leaves gaps where a line has no points and honours a zoomed range', () => {
  const g = minMaxGrid([{ x: [0, 1, 2, 90, 100], y: [1, 2, 3, 4, 5], length: 5 }], 50, 100, 10);
  assert.equal(g.ys[0].filter((v) => v !== null).length, 4);
  assert.equal(g.ys[0][0], null);
});

test('union alignment joins lines on their x values with nulls, plus one point beyond each edge', () => {
  const a = alignUnion([{ x: [1, 2, 3], y: [10, 20, 30], length: 3 }, { x: [2, 4], y: [5, 6], length: 2 }], 2, 3);
  assert.deepEqual(a.x, [1, 2, 3, 4]);
  assert.deepEqual(a.ys[0], [10, 20, 30, null]);
  assert.deepEqual(a.ys[1], [null, 5, null, 6]);
});

test('LTTB keeps endpoints and a spike, returns the threshold count of increasing indices', () => {
  const n = 10_000;
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => (i === 5000 ? 100 : Math.sin(i / 100)));
  const idx = lttb(x, y, 200);
  assert.equal(idx.length, 200);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], n - 1);
  assert.ok(idx.includes(5000));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
  assert.equal(lttb(x.slice(0, 10), y.slice(0, 10), 200).length, 10);
});

test('robust extent ignores an early loss spike that the plain extent includes', () => {
  const loss = [50, ...Array.from({ length: 200 }, (_, i) => 1 - i / 400)];
  assert.equal(finiteExtent([loss])!.max, 50);
  const r = robustExtent([loss])!;
  assert.ok(r.max < 1.01 && r.min > 0.5, JSON.stringify(r));
  assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantileSorted([0, 10], 0.25), 2.5);
});

test('extent for a log axis skips non-positive values; padding widens, flat extents get height', () => {
  assert.deepEqual(finiteExtent([[0, -1, 0.5, 2, null]], true), { min: 0.5, max: 2 });
  const p = padExtent({ min: 1, max: 1 }, false);
  assert.ok(p.min < 1 && p.max > 1);
  const l = padExtent({ min: 0.01, max: 1 }, true);
  assert.ok(l.min < 0.01 && l.max > 1 && l.min > 0);
  assert.equal(finiteExtent([[NaN, null]]), undefined);
});

test('min-max grid with block summaries draws exactly what the point-by-point scan draws', async () => {
  const { BlockSummary } = await import('../../webview/shared/decimate');
  const n = 200_003;
  const x = Float64Array.from({ length: n }, (_, i) => i * 0.5 + (i > 1000 ? 3 : 0));
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 333) * Math.cos(i / 71) + (i % 9973 === 0 ? 4 : 0) + (i === 500 ? NaN : 0));
  const blocks = new BlockSummary();
  blocks.update(y, n - 5000);
  blocks.update(y, n); // incremental
  for (const [x0, x1, B] of [[x[0], x[n - 1], 520], [1000, 20000, 300], [x[0], x[n - 1], 7]] as const) {
    const plain = minMaxGrid([{ x, y, length: n }], x0, x1, B);
    const fast = minMaxGrid([{ x, y, length: n, blocks }], x0, x1, B);
    assert.deepEqual(fast.ys, plain.ys, `range ${x0}..${x1} / ${B}`);
  }
});

test('live grid: folding appended points gives the same picture as decimating everything again', async () => {
  const { LiveGrid, BlockSummary, niceCeil } = await import('../../webview/shared/decimate');
  assert.equal(niceCeil(105_000), 125_000);
  assert.equal(niceCeil(0.7), 0.8);
  assert.equal(niceCeil(200), 200);
  const n = 60_000;
  const x = Float64Array.from({ length: n }, (_, i) => i + 1);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) + (i % 777 === 0 ? 3 : 0));
  const grid = new LiveGrid();
  const blocks = new BlockSummary();
  let last;
  for (let len = 5000; len <= n; len += 4321) {
    blocks.update(y, len);
    last = grid.decimate([{ x, y, length: len, blocks }], 'k', 1, len, 500);
  }
  const len = 5000 + 4321 * Math.floor((n - 5000) / 4321);
  const fresh = new LiveGrid().decimate([{ x, y, length: len }], 'k', 1, len, 500);
  // the same grid end (nice) as long as the data stayed inside it
  if (fresh.x.length === last!.x.length) assert.deepEqual(last!.ys, fresh.ys);
  const vals = last!.ys[0].filter((v): v is number => v !== null);
  assert.equal(Math.max(...vals), Math.max(...y.subarray(0, len)));
  assert.equal(Math.min(...vals), Math.min(...y.subarray(0, len)));
});
