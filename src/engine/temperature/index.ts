/**
 * Temperature schemes. A scheme gives the τ of each step and, once per epoch, a temperature event.
 * - fixed: one τ for the whole run
 * - adaptive-global: Adap-τ₀, the global β0 = 1/τ0 recomputed before every epoch (./adap-tau.ts)
 * - adaptive: Adap-τ, β0 plus a per-user β_u from the previous epoch's per-row losses
 * Each scheme's options are its config schema branch (`temperature.kind` selects it).
 */
import type { JsonSchema } from '../config/json-schema';
import type { TemperatureConfig } from '../config/types';
import type { Dataset } from '../data/types';
import type { TemperatureEvent } from '../../protocol/events';
import type { StepTemperature } from '../step/types';
import type { EmbeddingTable } from '../tensor/embedding';
import { histogram, percentiles } from '../stats';
import { adapTauPopulation, measuredGap, perUserInvTau, warmupInvTau, type PerUserSettings } from './adap-tau';

export interface TemperatureContext {
  /** 1-based, as the trainer counts */
  epoch: number;
  data: Dataset;
  users: EmbeddingTable;
  items: EmbeddingTable;
}

export interface TemperatureScheme {
  /** called before each epoch (Adap-τ recomputes β0 and β_u here) */
  startEpoch(ctx: TemperatureContext): void;
  /** the temperature of a batch */
  forBatch(users: Int32Array): StepTemperature;
  /** per-row losses at τ = 1 of a step (for schemes that adapt from the loss) */
  observe?(users: Int32Array, perRow: Float32Array): void;
  /** the epoch's temperature event (without t / kind / epoch) or null when there is nothing worth plotting */
  report(): Omit<TemperatureEvent, 't' | 'kind' | 'epoch'> | null;
}

export function fixedTemperature(tau: number): TemperatureScheme {
  const step: StepTemperature = { tau };
  return {
    startEpoch: () => undefined,
    forBatch: () => step,
    report: () => ({ global: tau }),
  };
}

export interface AdapTauSettings {
  warmupEpochs: number;
  warmupGap: number;
  degreeQuantile: number;
  /** per-user temperatures (Adap-τ); null = global only (Adap-τ₀) */
  perUser: PerUserSettings | null;
}

export function adapTauTemperature(s: AdapTauSettings, data: Dataset): TemperatureScheme {
  const population = adapTauPopulation(data.train, data.nItems, s.degreeQuantile);
  const nUsers = data.nUsers;
  const activeUsers = Int32Array.from({ length: nUsers }, (_, u) => u).filter((u) => data.train.indptr[u + 1] > data.train.indptr[u]);
  const lossSum = new Float64Array(nUsers);
  const lossRows = new Int32Array(nUsers);
  let observedRows = 0;
  let beta0 = warmupInvTau(population.c, s.warmupGap);
  let betaUser: Float32Array | null = null;

  return {
    startEpoch(ctx) {
      if (ctx.epoch - 1 >= s.warmupEpochs) {
        const gap = measuredGap(ctx.users, ctx.items, ctx.data.train, population);
        // a non-positive gap (positives no closer than the average item) has no meaningful β0: keep the last one
        if (gap > 0) beta0 = population.c / gap;
      } else {
        beta0 = warmupInvTau(population.c, s.warmupGap);
      }
      if (!s.perUser) return;
      if (observedRows > 0) {
        const meanLoss = Float64Array.from(lossSum, (v, u) => (lossRows[u] ? v / lossRows[u] : NaN));
        betaUser = perUserInvTau(beta0, meanLoss, s.perUser);
      } else {
        betaUser = null;
      }
      lossSum.fill(0);
      lossRows.fill(0);
      observedRows = 0;
    },
    forBatch(users) {
      if (!s.perUser) return { tau: 1 / beta0, posInvTau: beta0 };
      const tauPerRow = new Float32Array(users.length);
      for (let b = 0; b < users.length; b++) tauPerRow[b] = 1 / (betaUser ? betaUser[users[b]] : beta0);
      return { tau: 1 / beta0, posInvTau: beta0, tauPerRow, wantsPerRowLoss: true };
    },
    observe(users, perRow) {
      for (let b = 0; b < users.length; b++) {
        lossSum[users[b]] += perRow[b];
        lossRows[users[b]]++;
      }
      observedRows += users.length;
    },
    report() {
      if (!s.perUser) return { global: 1 / beta0 };
      const taus = Float64Array.from(activeUsers, (u) => 1 / (betaUser ? betaUser[u] : beta0));
      return { global: 1 / beta0, perUser: percentiles(taus), histogram: histogram(taus) };
    },
  };
}

export interface TemperatureSpec {
  name: TemperatureConfig['kind'];
  title: string;
  description: string;
  /** JSON Schema properties of the scheme's options (besides `kind`), with defaults */
  options: Record<string, JsonSchema>;
  create(cfg: TemperatureConfig, data: Dataset): TemperatureScheme;
}

const ADAP_TAU_GLOBAL_OPTIONS: Record<string, JsonSchema> = {
  warmupEpochs: {
    type: 'integer', default: 100, minimum: 0,
    description: 'epochs using the closed-form warm-up β0 ≈ c/warmupGap before switching to the measured gap (the reference scripts\' cnt_lr = 100)',
  },
  warmupGap: { type: 'number', default: 0.7, exclusiveMinimum: 0, description: 'assumed positive-vs-average cosine gap during warm-up (the reference\'s −b = 0.7)' },
  degreeQuantile: {
    type: 'number', default: 0.2, minimum: 0, exclusiveMaximum: 1,
    description: 'users with degree above this quantile of user degrees form U′, the population of the β0 statistics',
  },
};

export const TEMPERATURES: Record<string, TemperatureSpec> = {
  fixed: {
    name: 'fixed',
    title: 'Fixed τ',
    description: 'One temperature τ for the whole run.',
    options: { tau: { type: 'number', default: 1, exclusiveMinimum: 0, description: 'τ (losses divide scores by it)' } },
    create: (cfg) => fixedTemperature((cfg as Extract<TemperatureConfig, { kind: 'fixed' }>).tau),
  },
  'adaptive-global': {
    name: 'adaptive-global',
    title: 'Adap-τ₀ (global)',
    description: 'Adap-τ₀: one β0 = 1/τ0 per epoch, closed form during warm-up, then c / (measured positive gap).',
    options: ADAP_TAU_GLOBAL_OPTIONS,
    create: (cfg, data) => {
      const c = cfg as Extract<TemperatureConfig, { kind: 'adaptive-global' }>;
      return adapTauTemperature({ warmupEpochs: c.warmupEpochs, warmupGap: c.warmupGap, degreeQuantile: c.degreeQuantile, perUser: null }, data);
    },
  },
  adaptive: {
    name: 'adaptive',
    title: 'Adap-τ (per user)',
    description: 'Adap-τ: β0 as Adap-τ₀, and per user β_u = β0·exp(−W₀((L_u − base)/t2)) from the previous epoch\'s losses.',
    options: {
      ...ADAP_TAU_GLOBAL_OPTIONS,
      base: { enum: ['mean', 'quantile'], default: 'mean', description: 'base of the normalised loss: the mean of L_u (tau_mode weight_mean) or its t1-quantile (weight_ratio)' },
      quantile: { type: 'number', default: 0.9, minimum: 0, maximum: 1, description: 't1, the quantile used when base is "quantile" (Gowalla MF: 0.9)' },
      scale: { type: 'number', default: 1, exclusiveMinimum: 0, description: 't2, which divides L_u − base (Yelp2018 MF: 1.0, Gowalla MF: 0.25)' },
    },
    create: (cfg, data) => {
      const c = cfg as Extract<TemperatureConfig, { kind: 'adaptive' }>;
      return adapTauTemperature(
        { warmupEpochs: c.warmupEpochs, warmupGap: c.warmupGap, degreeQuantile: c.degreeQuantile, perUser: { base: c.base, quantile: c.quantile, scale: c.scale } },
        data,
      );
    },
  },
};

export function createTemperature(cfg: TemperatureConfig, data: Dataset): TemperatureScheme {
  const spec = TEMPERATURES[cfg.kind];
  if (!spec) throw new Error(`unknown temperature scheme "${cfg.kind}" (known: ${Object.keys(TEMPERATURES).join(', ')})`);
  return spec.create(cfg, data);
}
