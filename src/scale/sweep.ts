/**
 * The sweep controller: creates (or resumes) the sweep record `<runs>/<id>.sweep.json`, proposes trials with the
 * search strategy inside the budgets, and hands them to an executor (local processes or Slurm). Everything it decides
 * is written to the record, so a sweep survives a reload or a crash: `reclab sweep --resume <id>` continues it.
 */
import path from 'node:path';
import type { ExecutorConfig, SearchConfig } from '../engine/config/types';
import { ConfigError, resolveConfig } from '../engine/config/validate';
import { Rng } from '../engine/rng';
import { makeRunId } from '../runs/writer';
import { readSweep, RECORD_FORMAT_VERSION, sweepFile, updateSweep, writeRecord, type SweepRecord, type SweepTrial } from '../runs/records';
import { runConfigRaw } from './group';
import { searchSpace, gridSize, pointKey, type Param } from './space';
import { strategy } from './strategies';
import { trialConfigRaw } from './trial';

export const SEARCH_DEFAULTS: SearchConfig = {
  strategy: 'grid', space: {}, budget: { runs: 0, wallSeconds: 0 }, seed: 0, parallel: 1,
  tpe: { startup: 5, gamma: 0.25, candidates: 24 }, scheduler: { kind: 'none', minEpochs: 1, eta: 3 },
};

/** The search settings of a raw config with defaults (the schema validated their types). */
export function searchSettings(raw: Record<string, unknown>): SearchConfig {
  const s = (raw.search ?? {}) as Partial<SearchConfig>;
  return {
    ...SEARCH_DEFAULTS, ...s,
    budget: { ...SEARCH_DEFAULTS.budget, ...s.budget },
    tpe: { ...SEARCH_DEFAULTS.tpe, ...s.tpe },
    scheduler: { ...SEARCH_DEFAULTS.scheduler, ...s.scheduler },
    space: s.space ?? {},
  };
}

export interface NewSweep {
  raw: Record<string, unknown>;
  baseDir: string;
  configPath?: string;
  runsDir: string;
  /** overrides the config's executor (CLI --executor) */
  executor?: ExecutorConfig;
}

/** Validates the search and creates the sweep record (no trial yet). */
export function createSweep(o: NewSweep): { file: string; record: SweepRecord } {
  const settings = searchSettings(o.raw);
  const params = searchSpace(o.raw);
  if (!params.length) throw new ConfigError('$.search.space: a sweep needs at least one parameter (in $.sweep or $.search.space)');
  if (settings.strategy === 'grid') gridSize(params);
  else if (!settings.budget.runs && !settings.budget.wallSeconds) {
    throw new ConfigError(`$.search.budget: strategy "${settings.strategy}" has no natural end; give budget.runs or budget.wallSeconds`);
  }
  const base = runConfigRaw(o.raw);
  const config = resolveConfig(base); // the base must be valid on its own; each point is validated when proposed
  const now = new Date().toISOString();
  const space: SweepRecord['space'] = Object.fromEntries(params.map((p) => [p.path, p.spec]));
  const record: SweepRecord = {
    formatVersion: RECORD_FORMAT_VERSION, kind: 'sweep', id: makeRunId(`${config.name}-sweep`), name: `${config.name} (${settings.strategy} sweep)`,
    experiment: config.name, ...(o.configPath ? { configPath: o.configPath } : {}), baseDir: o.baseDir, config: base,
    createdAt: now, updatedAt: now, status: 'running', strategy: settings.strategy, space, search: settings,
    executor: o.executor ?? ((o.raw.executor as ExecutorConfig | undefined) ?? { kind: 'local' }),
    metric: config.eval.selectMetric, activeSeconds: 0, trials: [], rungs: {}, decisions: [],
  };
  const file = sweepFile(o.runsDir, record.id);
  writeRecord(file, record);
  return { file, record };
}

/** What executors ask of a sweep: the next trials to run, within the strategy and the budgets. */
export class SweepController {
  private readonly sessionStart = Date.now();
  private readonly baseActive: number;
  readonly params: Param[];

  constructor(readonly file: string) {
    const r = this.read();
    this.baseActive = r.activeSeconds;
    this.params = Object.entries(r.space).map(([p, spec]) => ({ path: p, spec }));
  }

  read(): SweepRecord {
    const r = readSweep(this.file);
    if (!r) throw new Error(`${this.file}: missing or not a sweep record`);
    return r;
  }

  get runsDir(): string {
    return path.dirname(this.file);
  }

  update(change: (s: SweepRecord) => void): SweepRecord {
    return updateSweep(this.file, (s) => {
      change(s);
      s.activeSeconds = this.baseActive + (Date.now() - this.sessionStart) / 1000;
    });
  }

  /**
   * Trials that did not end in a previous session (the sweep process crashed, or the window reloaded): those the
   * executor no longer runs (`stillActive` false) become pending again and are run anew.
   */
  recover(stillActive: (t: SweepTrial) => boolean): number {
    let n = 0;
    this.update((s) => {
      s.status = 'running';
      delete s.reason;
      for (const t of s.trials) {
        if (t.status === 'queued' || t.status === 'running') {
          if (stillActive(t)) continue;
          s.decisions.push({ t: Date.now(), trial: t.index, kind: 'resume', message: `trial ${t.index} was ${t.status} when the sweep stopped${t.runId ? ` (run ${t.runId})` : ''}: run again` });
          t.status = 'pending';
          delete t.runId;
          delete t.job;
          n++;
        }
      }
    });
    return n;
  }

  /**
   * Up to `max` trials to launch now, marked queued with their run ids: pending ones first (resumed), then new
   * proposals. [] when the strategy is exhausted or a budget is spent (the reason is recorded once).
   */
  next(max: number): SweepTrial[] {
    const out: SweepTrial[] = [];
    this.update((s) => {
      for (const t of s.trials) {
        if (out.length >= max) break;
        if (t.status !== 'pending') continue;
        t.status = 'queued';
        t.runId = makeRunId(`${s.experiment} t${t.index}`);
        out.push({ ...t });
      }
      const seen = new Set(s.trials.map((t) => pointKey(t.point)));
      while (out.length < max) {
        const stop = this.budgetSpent(s);
        if (stop) {
          if (!s.decisions.some((d) => d.kind === 'budget')) s.decisions.push({ t: Date.now(), trial: -1, kind: 'budget', message: stop });
          break;
        }
        const index = s.trials.length;
        const strat = strategy(s.strategy);
        const history = s.trials.map((t) => ({ point: t.point, value: t.value }));
        let point = strat.propose({ params: this.params, index, history, rng: new Rng(s.search.seed * 1_000_003 + index), settings: s.search });
        // random and TPE may repeat a point of a small discrete space: redraw a few times, then accept it
        for (let k = 1; point && !strat.finite && seen.has(pointKey(point)) && k < 20; k++) {
          point = strat.propose({ params: this.params, index, history, rng: new Rng(s.search.seed * 1_000_003 + index + k * 7919), settings: s.search });
        }
        if (!point) {
          if (!s.decisions.some((d) => d.kind === 'budget')) s.decisions.push({ t: Date.now(), trial: -1, kind: 'budget', message: `the ${s.strategy} has no more points (${index} trials)` });
          break;
        }
        const trial: SweepTrial = { index, point, status: 'queued', runId: makeRunId(`${s.experiment} t${index}`) };
        try {
          resolveConfig(trialConfigRaw(s, trial));
        } catch (e) {
          trial.status = 'failed';
          trial.reason = (e as Error).message;
          delete trial.runId;
          s.trials.push(trial);
          s.decisions.push({ t: Date.now(), trial: index, kind: 'propose', message: `trial ${index} ${JSON.stringify(point)}: invalid config, skipped` });
          continue;
        }
        s.trials.push(trial);
        seen.add(pointKey(point));
        s.decisions.push({ t: Date.now(), trial: index, kind: 'propose', message: `trial ${index}: ${Object.entries(point).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : JSON.stringify(v)}`).join(' ')} (${s.strategy})` });
        out.push({ ...trial });
      }
    });
    return out;
  }

  /** How many trials the strategy and budget could still give (Infinity when only wall time bounds it). */
  remaining(): number {
    const s = this.read();
    const pending = s.trials.filter((t) => t.status === 'pending').length;
    const left = s.search.budget.runs ? Math.max(0, s.search.budget.runs - s.trials.length) : Infinity;
    const grid = s.strategy === 'grid' ? gridSize(this.params) - s.trials.length : Infinity;
    return pending + Math.min(left, grid);
  }

  private budgetSpent(s: SweepRecord): string | undefined {
    const b = s.search.budget;
    if (b.runs && s.trials.length >= b.runs) return `budget: ${b.runs} runs proposed`;
    const active = this.baseActive + (Date.now() - this.sessionStart) / 1000;
    if (b.wallSeconds && active >= b.wallSeconds) return `budget: ${b.wallSeconds} s of sweep time spent (${active.toFixed(0)} s)`;
    return undefined;
  }

  finish(status: SweepRecord['status'], reason?: string): SweepRecord {
    return this.update((s) => {
      s.status = status;
      if (reason) s.reason = reason;
    });
  }
}

/** The best trial by value (higher is better). */
export function bestTrial(s: SweepRecord): SweepTrial | undefined {
  return s.trials.filter((t) => t.value !== undefined).sort((a, b) => b.value! - a.value!)[0];
}
