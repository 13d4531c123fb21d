/**
 * Model selection over the evaluated epochs: the best epoch by the selection metric on the selection split,
 * patience, learning-rate decay on a plateau, and reloading the best epoch's parameters when the lr decays
 * (RecZoo protocol). Decides; the trainer acts on the decision and the recorder writes it down.
 */
import type { EvalConfig, TrainConfig } from '../config/types';
import type { MetricValues } from '../../protocol/events';
import type { Backbone } from '../models/types';

export interface BestEpoch {
  epoch: number;
  value: number;
  metrics: MetricValues;
  /** test metrics of the best epoch (when selecting on valid) */
  test?: MetricValues;
}

export interface SelectionDecision {
  improved: boolean;
  /** early stop: patience ran out and no lr decay is left */
  stop: boolean;
  /** what happened, for the run log */
  messages: string[];
}

export class ModelSelection {
  best: BestEpoch | null = null;
  private bad = 0;
  /** the best epoch's parameters, kept in memory for train.reloadBestOnPlateau */
  private bestParams: { epoch: number; users: Float32Array; items: Float32Array } | null = null;

  constructor(
    private readonly evalCfg: Pick<EvalConfig, 'selectMetric' | 'patience'>,
    private readonly trainCfg: Pick<TrainConfig, 'lrDecayOnPlateau' | 'reloadBestOnPlateau'>,
    /** the configured learning rate (the decay stops at 1e-4 of it) */
    private readonly baseLr: number,
  ) {}

  /** Is `value` of the selection metric at `epoch` a new best? Records it when it is. */
  offer(epoch: number, metrics: MetricValues): boolean {
    const value = metrics[this.evalCfg.selectMetric];
    const improved = !this.best || value > this.best.value;
    if (improved) this.best = { epoch, value, metrics };
    return improved;
  }

  /** test metrics evaluated at `epoch`: kept when it is the best epoch */
  offerTest(epoch: number, metrics: MetricValues): void {
    if (this.best && this.best.epoch === epoch) this.best.test = metrics;
  }

  /** After an evaluated epoch: patience, lr decay and reload act on the backbone. */
  afterEvaluation(epoch: number, improved: boolean, backbone: Backbone): SelectionDecision {
    const messages: string[] = [];
    if (improved) {
      this.bad = 0;
      if (this.trainCfg.reloadBestOnPlateau) {
        const p = backbone.parameters();
        this.bestParams = { epoch, users: p.users.slice(), items: p.items.slice() };
      }
      return { improved, stop: false, messages };
    }
    const { patience, selectMetric } = this.evalCfg;
    if (patience > 0 && ++this.bad >= patience) {
      if (this.trainCfg.lrDecayOnPlateau > 0 && backbone.lr > this.baseLr * 1e-4) {
        backbone.lr *= this.trainCfg.lrDecayOnPlateau;
        this.bad = 0;
        messages.push(`no improvement for ${patience} evaluations: lr → ${backbone.lr}`);
        if (this.bestParams) {
          backbone.load(this.bestParams);
          messages.push(`reloaded the embeddings of the best epoch (${this.bestParams.epoch})`);
        }
      } else {
        messages.push(`early stop: no improvement of ${selectMetric} for ${patience} evaluations (best at epoch ${this.best?.epoch})`);
        return { improved, stop: true, messages };
      }
    }
    return { improved, stop: false, messages };
  }
}
