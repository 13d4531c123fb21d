/**
 * Running a sweep end to end: resume what an earlier session left (trials the executor no longer runs are run again),
 * let the executor run trials until the strategy or the budget is done, and close the record.
 */
import { executor, type SweepRunOptions } from './executors';
import type { Executor } from './executors/types';
import { SweepController } from './sweep';
import type { SweepRecord } from '../runs/records';

/** `exec` overrides the record's executor (the extension runs each trial as its own process: src/scale/driver.ts). */
export async function runSweep(file: string, o: SweepRunOptions = {}, exec?: Executor): Promise<SweepRecord> {
  const ctl = new SweepController(file);
  exec ??= executor(ctl.read().executor.kind);
  const active = await exec.activeTrials(ctl.read());
  const again = ctl.recover((t) => active.has(t.index));
  if (again) o.onMessage?.(`resuming: ${again} interrupted trial${again > 1 ? 's' : ''} will run again`);
  try {
    await exec.runSweep(ctl, o);
  } catch (e) {
    ctl.finish('failed', (e as Error).message);
    throw e;
  }
  return ctl.finish(o.signal?.aborted ? 'stopped' : 'finished', o.signal?.aborted ? String(o.signal.reason ?? 'stopped') : undefined);
}
