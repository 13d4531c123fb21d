/**
 * One trial of a sweep: the sweep record's config with the trial's point applied, trained as a run that reports to the
 * record — its run id and status, ASHA's judgement at each rung (under the record's lock, so trials running at the
 * same time on other hosts see each other), and its final value. The local executor calls it in-process; a Slurm
 * array task calls it through `reclab trial <sweep.json> <index>`.
 */
import path from 'node:path';
import type { RunEvent } from '../protocol/events';
import { resolveConfig, setPath } from '../engine/config/validate';
import type { Dataset } from '../engine/data/types';
import type { Evaluator } from '../engine/eval';
import { train, type TrainResult } from '../engine/train';
import { readSweep, updateSweep, type SweepRecord, type SweepTrial } from '../runs/records';
import { ashaJudge } from './asha';

export interface TrialOptions {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  dataset?: Dataset;
  evaluator?: Evaluator;
  /** the executor's job of this trial, recorded in run.json */
  job?: { executor: string; id: string };
}

export function trialConfigRaw(record: SweepRecord, trial: SweepTrial): Record<string, unknown> {
  const raw = structuredClone(record.config);
  for (const [k, v] of Object.entries(trial.point)) setPath(raw, k, v);
  return raw;
}

export async function runTrial(file: string, index: number, o: TrialOptions = {}): Promise<TrainResult> {
  const record = readSweep(file);
  if (!record) throw new Error(`${file}: not a sweep record`);
  const trial = record.trials[index];
  if (!trial) throw new Error(`${file}: the sweep has no trial ${index} (it has ${record.trials.length})`);
  const config = resolveConfig(trialConfigRaw(record, trial));
  const asha = record.search.scheduler.kind === 'asha'
    ? { minEpochs: record.search.scheduler.minEpochs, eta: record.search.scheduler.eta, maxEpochs: config.train.epochs }
    : null;
  const setTrial = (patch: Partial<SweepTrial>): void => {
    updateSweep(file, (s) => {
      Object.assign(s.trials[index], patch);
    });
  };
  let result: TrainResult;
  try {
    result = await train({
      config, baseDir: record.baseDir, runsDir: path.dirname(file), runId: trial.runId, configPath: record.configPath,
      sweepPoint: trial.point, membership: { sweep: { id: record.id, trial: index }, ...(o.job ? { job: o.job } : {}) },
      signal: o.signal, onEvent: o.onEvent, dataset: o.dataset, evaluator: o.evaluator,
      onCreated: (runId) => setTrial({ runId, status: 'running' }),
      onSelection: asha
        ? (epoch, _value, best) => {
            let reason: string | undefined;
            updateSweep(file, (s) => {
              s.trials[index].value = best;
              const d = ashaJudge(asha, s.rungs, index, epoch, best);
              if (!d) return;
              s.decisions.push({ t: Date.now(), trial: index, kind: 'asha', action: d.action, rung: d.rung, epoch, value: d.value, cutoff: d.cutoff, message: d.reason });
              if (d.action === 'stop') reason = d.reason;
            });
            return reason;
          }
        : undefined,
    });
  } catch (e) {
    const r = (e as Error & { result?: TrainResult }).result;
    setTrial({ status: 'failed', reason: (e as Error).message, ...(r ? { runId: r.runId } : {}) });
    throw e;
  }
  const s = result.summary;
  const pruned = result.status === 'stopped' && !!result.reason?.startsWith('pruned by ASHA');
  setTrial({
    runId: result.runId, status: result.status, reason: result.reason, pruned,
    value: s.best?.[s.selectMetric], epoch: s.bestEpoch,
  });
  return result;
}
