/**
 * The fused many-negative step for any backbone: when the loss has a fused form (Loss.fused) and the batch is one
 * the kernels cover (one positive per row — several for GDNS's hinge and MSCL —, shared, in-batch or per-row negatives — not synthesised rows —, a logQ
 * correction only for a form that takes it (SSM), D a multiple of 8), the score block,
 * the loss and its backward run on WebAssembly kernels (tensor/fused-contrastive.ts) instead of tfjs autograd; the
 * row gradients and the L2 on the ego rows then go to the backbone exactly as from the tfjs step (./step.ts).
 * `model.fastPath: false` turns it off. Tested against the tfjs step: test/unit/engine-fused-contrastive.test.ts.
 */
import { FusedContrastiveStep, fusedShapeSupported } from '../tensor/fused-contrastive';
import type { Loss } from '../losses/types';
import { scoreWidth, type Backbone, type RowGradients } from '../models/types';
import { hopL2 } from './hop-l2';
import type { Rng } from '../rng';
import type { StepBatch, StepResult, StepSettings, StepTemperature } from './types';

export class ManyNegativeStep {
  private readonly kernels = new FusedContrastiveStep();
  private l2Items = new Int32Array(0);

  constructor(
    private readonly backbone: Backbone,
    private readonly s: StepSettings,
  ) {}

  /** The step on the fused kernels, or null when they do not cover this loss and batch. */
  run(batch: StepBatch, loss: Loss, temp: StepTemperature, rng: Rng): StepResult | null {
    const neg = batch.neg;
    const form = loss.fused;
    if (!this.s.fused || !form || (neg.layout === 'per-row' && neg.synth) || !fusedShapeSupported(scoreWidth(this.backbone), batch.positivesPerRow, neg.layout, !!batch.logQ, form, batch.users.length)) return null;
    const negItems = neg.layout === 'in-batch' ? (neg.extra ?? new Int32Array(0)) : neg.items;
    const src = this.backbone.forward({ users: batch.users, items: [batch.pos, negItems] });
    const out = this.kernels.step({
      users: batch.users, pos: batch.pos, positivesPerRow: batch.positivesPerRow, negItems, layout: neg.layout, mask: neg.layout === 'per-row' ? undefined : neg.mask,
      perRow: neg.layout === 'per-row' ? neg.n : undefined,
      userTable: src.users.data, itemTable: src.items.data, dim: scoreWidth(this.backbone),
      cosine: this.s.cosine, dropout: this.s.userDropout, rng, form,
      tau: temp.tau, tauPerRow: temp.tauPerRow, posInvTau: temp.posInvTau, wantPerRow: temp.wantsPerRowLoss, logQ: batch.logQ,
    });
    const B = batch.users.length;
    const { l2, l2Mode } = this.s;
    const c = l2 > 0 && l2Mode !== 'none' ? (l2Mode === 'batch' ? l2 / B : l2) : 0;
    // L2 on the batch's rows as the tfjs step counts them: positives, then the negative items (in-batch: the extra ones)
    let items = out.itemIds;
    if (c && neg.layout === 'in-batch') {
      const BP = batch.pos.length;
      if (this.l2Items.length !== BP + negItems.length) this.l2Items = new Int32Array(BP + negItems.length);
      this.l2Items.set(batch.pos);
      this.l2Items.set(negItems, BP);
      items = this.l2Items;
    }
    const grads: RowGradients[] = [
      { source: 'users', rows: batch.users, grads: out.userGrads, values: out.userRows },
      { source: 'items', rows: out.itemIds, grads: out.itemGrads, values: out.itemRows },
    ];
    // folded per-row negatives: each named row once, its gradient summed, its L2 counted as often as it was named
    const folded = out.folded;
    if (folded) grads.push({ source: 'items', rows: folded.rows, grads: folded.grads });
    const weightedItems = folded ? { rows: folded.rows, weights: folded.counts } : undefined;
    const hops = c && this.s.l2Hops ? hopL2(src, c, batch.users, items, weightedItems) : null;
    if (hops) grads.push(...hops.grads);
    const l2Loss = this.backbone.backward(grads, c ? { c, users: batch.users, items, weightedItems } : null);
    return { loss: out.loss + l2Loss + (hops?.value ?? 0), perRow: out.perRow };
  }
}
