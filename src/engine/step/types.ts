/**
 * What one training step consumes and returns, shared by the step (./step.ts), the backbones (../models/) and the
 * temperature schemes (../temperature/). No model owns these types.
 */
import type { StepLogQ } from '../losses/logq';
import type { NegativeBatch } from '../samplers/types';

export interface StepBatch {
  users: Int32Array; // [B]
  pos: Int32Array; // [B * P], row-major
  positivesPerRow: number;
  neg: NegativeBatch;
  /** log q of the positives [B·P] and of the negative columns (per-row: [B·N]; shared / in-batch: one per column) */
  logQ?: StepLogQ;
}

export interface StepTemperature {
  tau: number;
  /** τ per row [B] (per-user schemes) */
  tauPerRow?: Float32Array;
  /** inverse temperature of the positive term (Adap-τ's β0) */
  posInvTau?: number;
  /** the scheme adapts from the per-row losses: ask the loss for them */
  wantsPerRowLoss?: boolean;
}

export interface StepResult {
  loss: number;
  /** per-row loss at τ = 1 when the loss provides it (Adap-τ) */
  perRow?: Float32Array;
}

/** The step's own settings (from model.* and optimizer.*): how rows become scores, and the L2 on the batch rows. */
export interface StepSettings {
  cosine: boolean;
  /** dropout on the user rows during training */
  userDropout: number;
  l2: number;
  l2Mode: 'batch' | 'batch-sum' | 'none';
  /** optimizer.l2Layers "all": the L2 also covers the propagated layers 1..L of the batch rows (./hop-l2.ts) */
  l2Hops?: boolean;
  /** model.fastPath: the fused many-negative kernels take the step when they cover it (./many-negatives.ts) */
  fused: boolean;
}
