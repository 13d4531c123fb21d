/**
 * Asynchronous successive halving (ASHA; Li et al., MLSys 2020) as a stopping rule, the rule of Ray Tune's
 * ASHAScheduler (which RecBole, LensKit and WarpRec use through Ray): rungs at epochs minEpochs·ηᵏ below the run's
 * epoch budget. When a run's evaluation reaches a rung it has not been judged at, its value (the best selection metric
 * so far) is compared with the (1 − 1/η) quantile of the values recorded at that rung by earlier runs: below it, the
 * run is stopped; otherwise it continues (is promoted to the next rung). The first run at a rung always continues.
 * The value is recorded either way, so later runs face every earlier one. Pure: the sweep file holds the state.
 */

export interface AshaSettings {
  minEpochs: number;
  eta: number;
  /** the runs' epoch budget (train.epochs) */
  maxEpochs: number;
}

/** rung epoch → trial index → value recorded there */
export type Rungs = Record<string, Record<string, number>>;

export interface AshaDecision {
  trial: number;
  rung: number;
  /** the rung's epoch (milestone) and the evaluation epoch that reached it */
  milestone: number;
  epoch: number;
  value: number;
  /** undefined for the first run at a rung */
  cutoff?: number;
  /** earlier values at this rung */
  peers: number;
  action: 'continue' | 'stop';
  reason: string;
}

/** The rung epochs: minEpochs·ηᵏ (rounded up) strictly below maxEpochs. */
export function milestones(s: AshaSettings): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const m = Math.ceil(s.minEpochs * s.eta ** k - 1e-9);
    if (m >= s.maxEpochs) break;
    if (!out.includes(m)) out.push(m);
    if (k > 64) break;
  }
  return out;
}

/** numpy.percentile with linear interpolation */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/**
 * Judges a run that evaluated at `epoch` with best-so-far `value`: at the highest rung it has reached and not yet
 * been judged at. Returns null when no new rung was reached. Records the value in `rungs` (mutated).
 */
export function ashaJudge(s: AshaSettings, rungs: Rungs, trial: number, epoch: number, value: number): AshaDecision | null {
  const ms = milestones(s);
  for (let r = ms.length - 1; r >= 0; r--) {
    const m = ms[r];
    if (epoch < m) continue;
    const at = (rungs[String(m)] ??= {});
    if (String(trial) in at) return null; // judged here already (and at every lower rung)
    const earlier = Object.entries(at).filter(([t]) => t !== String(trial)).map(([, v]) => v).filter(Number.isFinite);
    const cutoff = earlier.length ? quantile(earlier, 1 - 1 / s.eta) : undefined;
    at[String(trial)] = value;
    const stop = cutoff !== undefined && value < cutoff;
    const fmt = (x: number): string => x.toFixed(4);
    return {
      trial, rung: r, milestone: m, epoch, value, cutoff, peers: earlier.length,
      action: stop ? 'stop' : 'continue',
      reason: cutoff === undefined
        ? `rung ${r} (epoch ${m}): first run here, continues`
        : stop
          ? `pruned by ASHA at rung ${r} (epoch ${m}): ${fmt(value)} < ${fmt(cutoff)}, the top 1/${s.eta} cut-off of ${earlier.length} earlier runs`
          : `rung ${r} (epoch ${m}): ${fmt(value)} ≥ ${fmt(cutoff)}, the top 1/${s.eta} cut-off of ${earlier.length} earlier runs — promoted`,
    };
  }
  return null;
}
