/**
 * The local executor: trials run one after another in this process, sharing the loaded dataset and the evaluator's
 * worker pool (what `reclab sweep` always did). The VS Code extension runs local trials as its own queued processes.
 * CLI jobs (the rows of `reclab reproduce`) run as child processes, `parallel` at a time.
 */
import { loadDataset } from '../../engine/data';
import type { Dataset } from '../../engine/data/types';
import { Evaluator, evaluatorOptionsFor } from '../../engine/eval';
import { resolveConfig } from '../../engine/config/validate';
import { readSweep } from '../../runs/records';
import { runLocalJobs } from '../jobs/local';
import { runTrial, trialConfigRaw } from '../trial';
import type { Executor } from './types';

export const local: Executor = {
  name: 'local',
  description: 'runs on this machine, one trial at a time, in the reclab process',
  async runSweep(ctl, o) {
    let evaluator: Evaluator | undefined;
    let dataset: Dataset | undefined;
    let datasetKey = '';
    try {
      while (!o.signal?.aborted) {
        const [trial] = ctl.next(1);
        if (!trial) break;
        const record = ctl.read();
        const config = resolveConfig(trialConfigRaw(record, trial));
        const key = JSON.stringify([config.dataset, config.split]);
        if (key !== datasetKey) {
          dataset = await loadDataset(config, record.baseDir);
          datasetKey = key;
        }
        evaluator ??= new Evaluator(evaluatorOptionsFor(config));
        o.onTrialStart?.(trial);
        try {
          await runTrial(ctl.file, trial.index, { signal: o.signal, onEvent: o.onEvent, dataset, evaluator });
        } catch {
          // a failed trial does not stop the sweep; the record and its run say why
        }
        o.onTrialEnd?.(readSweep(ctl.file)!.trials[trial.index]);
      }
    } finally {
      await evaluator?.close();
    }
  },
  async cancelTrial() {
    throw new Error('a local trial runs in the reclab process: stop it with Ctrl-C (or Stop in VS Code)');
  },
  // a local trial lives in the process that ran the sweep: after a crash or reload none is still running
  activeTrials: async () => new Set<number>(),
  // suite rows: each a `reclab train` child process, `parallel` at once (src/scale/jobs/local.ts)
  runJobs: runLocalJobs,
};
