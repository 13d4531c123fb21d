/**
 * The statistics of groups and paired comparisons against scipy 1.17.1 (numbers printed by
 * test/fixtures/significance/expected.py, committed here; the test does not need python) and against hand-computed
 * cases (Holm's adjustment, ranks with ties).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holm, pairedTTest, summarize, wilcoxonSignedRank } from '../../src/engine/analysis/significance';

const close = (actual: number, expected: number, tol = 1e-9, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, got ${actual}`);

const A_SMALL = [0.31, 0.12, 0.0, 0.55, 0.20, 0.41, 0.33, 0.0, 0.27, 0.18, 0.62, 0.09];
const B_SMALL = [0.25, 0.12, 0.05, 0.40, 0.22, 0.30, 0.30, 0.0, 0.20, 0.18, 0.50, 0.02];
const A_LARGE = Array.from({ length: 300 }, (_, i) => Math.floor(((i * 37) % 101) / 10) / 10);
const B_LARGE = Array.from({ length: 300 }, (_, i) => Math.floor(((i * 53 + 7) % 97) / 10) / 10);

describe('significance: against scipy', () => {
  it('paired t-test = scipy.stats.ttest_rel', () => {
    const s = pairedTTest(A_SMALL, B_SMALL);
    close(s.t, 2.525762249368323, 1e-9, 't');
    close(s.p, 0.028185118719495975, 1e-7, 'p');
    assert.equal(s.df, 11);
    const l = pairedTTest(A_LARGE, B_LARGE);
    close(l.t, 0.8399151933820316, 1e-9, 't large');
    close(l.p, 0.40162702508715864, 1e-7, 'p large');
  });

  it('Wilcoxon signed-rank = scipy.stats.wilcoxon(zero_method="wilcox", correction=False, method="approx")', () => {
    const s = wilcoxonSignedRank(A_SMALL, B_SMALL);
    assert.equal(s.n, 9, 'three zero differences dropped');
    close(s.w, 4.0, 1e-12, 'W');
    close(s.p, 0.028401837044201694, 1e-7, 'p');
    const l = wilcoxonSignedRank(A_LARGE, B_LARGE);
    close(l.w, 17079.5, 1e-12, 'W large (ties)');
    close(l.p, 0.39831213524947484, 1e-7, 'p large');
  });

  it('mean, std and the 95 % t interval = numpy / scipy.stats.t.ppf', () => {
    const s = summarize([0.0512, 0.0498, 0.0531, 0.0505, 0.0520]);
    close(s.mean, 0.05132, 1e-12, 'mean');
    close(s.std, 0.0012872451204024823, 1e-9, 'std');
    close(s.lo, 0.049721674077132766, 1e-9, 'lo');
    close(s.hi, 0.05291832592286723, 1e-9, 'hi');
  });
});

describe('significance: by hand', () => {
  it('Wilcoxon ranks: average ranks over ties, W⁺ and W⁻ add up to n(n+1)/2', () => {
    // differences 1, −2, 2, 3: |d| ranks 1, 2.5, 2.5, 4 → W⁺ = 1 + 2.5 + 4 = 7.5, W⁻ = 2.5
    const r = wilcoxonSignedRank([1, 0, 2, 3], [0, 2, 0, 0]);
    assert.equal(r.wPlus, 7.5);
    assert.equal(r.w, 2.5);
    // σ² = 4·5·9/24 − (2³ − 2)/48 = 7.5 − 0.125
    close(r.z, (7.5 - 5) / Math.sqrt(7.375), 1e-12, 'z');
  });

  it('identical samples: p = 1 for both tests', () => {
    assert.equal(wilcoxonSignedRank([0.1, 0.2], [0.1, 0.2]).p, 1);
    assert.equal(pairedTTest([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]).p, 1);
  });

  it('Holm: step-down with monotone adjusted p-values, in input order', () => {
    // sorted 0.01, 0.02, 0.03, 0.5 → 4·0.01, 3·0.02, max(0.06, 2·0.03), max(0.06, 0.5)
    const adj = holm([0.03, 0.5, 0.01, 0.02]);
    [0.06, 0.5, 0.04, 0.06].forEach((e, i) => close(adj[i], e, 1e-12, `p${i}`));
    assert.deepEqual(holm([0.4, 0.6]), [0.8, 0.8]);
    assert.deepEqual(holm([0.9, 0.8]), [1, 1]);
  });

  it('a one-value group has a degenerate interval; a paired test needs two pairs', () => {
    assert.deepEqual(summarize([0.5]), { n: 1, mean: 0.5, std: 0, lo: 0.5, hi: 0.5 });
    assert.throws(() => pairedTTest([1], [2]), /at least 2 pairs/);
    assert.throws(() => pairedTTest([1, 2], [2]), /equal length/);
  });
});
