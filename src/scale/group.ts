/**
 * Seed groups: one config trained once per seed, the runs tied together by a group record in the runs folder
 * (`<runs>/<id>.group.json`, src/runs/records.ts). The runs share the loaded dataset and the evaluator.
 */
import type { RunEvent } from '../protocol/events';
import { ConfigError, resolveConfig } from '../engine/config/validate';
import { loadDataset } from '../engine/data';
import { Evaluator, evaluatorOptionsFor } from '../engine/eval';
import { train, type TrainResult } from '../engine/train';
import { makeRunId } from '../runs/writer';
import { groupFile, RECORD_FORMAT_VERSION, updateGroup, writeRecord, type GroupRecord } from '../runs/records';

/** The keys of a config that describe how runs are launched, not a run: removed from each run's config. */
export const LAUNCH_KEYS = ['sweep', 'search', 'repeat', 'executor'] as const;

export function runConfigRaw(raw: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const k of LAUNCH_KEYS) delete out[k];
  return out;
}

/**
 * The seeds of a group: `--seeds N` gives seed, seed+1, … seed+N−1 (seed = the config's, default 2020); otherwise
 * `repeat.seeds`; undefined when the config is a single run.
 */
export function groupSeeds(raw: Record<string, unknown>, seedsFlag?: number): number[] | undefined {
  if (seedsFlag !== undefined) {
    if (!Number.isInteger(seedsFlag) || seedsFlag < 1) throw new ConfigError(`--seeds expects a positive integer, got ${seedsFlag}`);
    const base = typeof raw.seed === 'number' ? raw.seed : 2020;
    return Array.from({ length: seedsFlag }, (_, i) => base + i);
  }
  const seeds = (raw.repeat as { seeds?: number[] } | undefined)?.seeds;
  return seeds?.length ? [...seeds] : undefined;
}

export interface GroupLaunch {
  raw: Record<string, unknown>;
  baseDir: string;
  configPath?: string;
  runsDir: string;
  seeds: number[];
  point?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  onRunStart?: (index: number, total: number, seed: number) => void;
}

/** Creates the group record, then trains each seed in turn. A failed seed does not stop the group. */
export async function trainGroup(o: GroupLaunch): Promise<{ group: GroupRecord; results: TrainResult[] }> {
  const base = runConfigRaw(o.raw);
  // validate every seed's config before anything is written
  const configs = o.seeds.map((seed) => resolveConfig({ ...base, seed }));
  const name = configs[0].name;
  const group: GroupRecord = {
    formatVersion: RECORD_FORMAT_VERSION, kind: 'group', id: makeRunId(`${name}-x${o.seeds.length}`), name: `${name} ×${o.seeds.length} seeds`,
    experiment: name, ...(o.configPath ? { configPath: o.configPath } : {}), createdAt: new Date().toISOString(),
    seeds: o.seeds, ...(o.point ? { point: o.point } : {}), runs: [],
  };
  const file = groupFile(o.runsDir, group.id);
  writeRecord(file, group);
  const results: TrainResult[] = [];
  const evaluator = new Evaluator(evaluatorOptionsFor(configs[0]));
  try {
    const dataset = await loadDataset(configs[0], o.baseDir);
    for (let i = 0; i < configs.length; i++) {
      if (o.signal?.aborted) break;
      const seed = o.seeds[i];
      o.onRunStart?.(i, configs.length, seed);
      try {
        results.push(await train({
          config: configs[i], baseDir: o.baseDir, runsDir: o.runsDir, configPath: o.configPath, sweepPoint: o.point,
          membership: { group: group.id, seed }, signal: o.signal, onEvent: o.onEvent, dataset, evaluator,
          onCreated: (runId) => updateGroup(file, (g) => void g.runs.push({ seed, runId })),
        }));
      } catch (e) {
        const r = (e as Error & { result?: TrainResult }).result;
        if (!r) throw e;
        results.push(r);
      }
    }
  } finally {
    await evaluator.close();
  }
  return { group: updateGroup(file, () => undefined), results };
}
