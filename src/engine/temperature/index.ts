/**
 * Temperature schemes. A scheme gives the τ of each step and, once per epoch, a temperature event.
 * `fixed` is here; the adaptive schemes (Adap-τ₀, Adap-τ) register in TEMPERATURES.
 */
import type { TemperatureConfig } from '../config/types';
import type { Dataset } from '../data/types';
import type { TemperatureEvent } from '../../protocol/events';
import type { StepTemperature } from '../models/mf';
import type { EmbeddingTable } from '../tensor/embedding';

export interface TemperatureContext {
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

export type TemperatureFactory = (cfg: TemperatureConfig, data: Dataset) => TemperatureScheme;

export const TEMPERATURES: Record<string, TemperatureFactory> = {
  fixed: (cfg) => fixedTemperature(cfg.tau),
};

export function createTemperature(cfg: TemperatureConfig, data: Dataset): TemperatureScheme {
  const f = TEMPERATURES[cfg.kind];
  if (!f) throw new Error(`temperature scheme "${cfg.kind}" is not available yet (known: ${Object.keys(TEMPERATURES).join(', ')})`);
  return f(cfg, data);
}
