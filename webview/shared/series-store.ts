/**
 * The webview's copy of the scalar series: growable typed-array columns per (run, key), appended from snapshot and
 * delta chunks, with cached smoothed values that are extended incrementally as points arrive.
 */
import type { SeriesChunk, XAxisMode } from '../../src/protocol/webview';
import { BlockSummary } from './decimate';
import { IncrementalEma } from './smoothing';

const INITIAL_CAPACITY = 256;

let nextUid = 1;

export class Series {
  /** identity of this buffer (a snapshot replaces every Series, so caches keyed on it start over) */
  readonly uid = nextUid++;
  step = new Float64Array(INITIAL_CAPACITY);
  epoch = new Float64Array(INITIAL_CAPACITY);
  wall = new Float64Array(INITIAL_CAPACITY);
  value = new Float64Array(INITIAL_CAPACITY);
  length = 0;
  /** bumped on every append, so views know when to redraw */
  version = 0;
  private smoothCache = new Map<number, { ema: IncrementalEma; out: Float64Array; blocks: BlockSummary }>();
  private valueBlocks = new BlockSummary();

  constructor(readonly runId: string, readonly key: string) {}

  append(c: SeriesChunk): void {
    const n = c.value.length;
    if (!n) return;
    this.reserve(this.length + n);
    this.step.set(c.step, this.length);
    this.epoch.set(c.epoch, this.length);
    this.wall.set(c.wall, this.length);
    this.value.set(c.value, this.length);
    this.length += n;
    this.version++;
  }

  x(mode: XAxisMode): Float64Array {
    return mode === 'step' ? this.step : mode === 'epoch' ? this.epoch : this.wall;
  }

  /** Debiased-EMA smoothed values (weight 0 → the raw values); valid up to `length`. */
  smoothed(weight: number): Float64Array {
    if (weight <= 0) return this.value;
    let c = this.smoothCache.get(weight);
    if (!c || c.out.length < this.value.length) {
      const out = new Float64Array(this.value.length);
      if (c) out.set(c.out.subarray(0, c.ema.consumed));
      c = { ema: c?.ema ?? new IncrementalEma(weight), out, blocks: c?.blocks ?? new BlockSummary() };
      this.smoothCache.set(weight, c);
    }
    if (c.ema.consumed < this.length) c.ema.extend(this.value.subarray(0, this.length), c.out, c.ema.consumed);
    // keep the cache small: the slider visits many weights, only the latest few are worth keeping
    if (this.smoothCache.size > 3) {
      const oldest = this.smoothCache.keys().next().value as number;
      if (oldest !== weight) this.smoothCache.delete(oldest);
    }
    return c.out;
  }

  /** Block min/max of the raw values (weight 0) or of the smoothed values, up to date with `length`. */
  blocks(weight: number): BlockSummary {
    if (weight <= 0) {
      this.valueBlocks.update(this.value, this.length);
      return this.valueBlocks;
    }
    const out = this.smoothed(weight);
    const c = this.smoothCache.get(weight)!;
    c.blocks.update(out, this.length);
    return c.blocks;
  }

  private reserve(n: number): void {
    if (n <= this.value.length) return;
    let cap = this.value.length;
    while (cap < n) cap *= 2;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.step = grow(this.step);
    this.epoch = grow(this.epoch);
    this.wall = grow(this.wall);
    this.value = grow(this.value);
  }
}

export class SeriesStore {
  private byRun = new Map<string, Map<string, Series>>();
  version = 0;

  clear(): void {
    this.byRun.clear();
    this.version++;
  }

  removeRun(runId: string): void {
    this.byRun.delete(runId);
    this.version++;
  }

  append(chunks: readonly SeriesChunk[]): void {
    for (const c of chunks) {
      let run = this.byRun.get(c.runId);
      if (!run) this.byRun.set(c.runId, (run = new Map()));
      let s = run.get(c.key);
      if (!s) run.set(c.key, (s = new Series(c.runId, c.key)));
      s.append(c);
    }
    if (chunks.length) this.version++;
  }

  get(runId: string, key: string): Series | undefined {
    return this.byRun.get(runId)?.get(key);
  }

  keys(runId: string): string[] {
    return [...(this.byRun.get(runId)?.keys() ?? [])];
  }

  /** Every key any run has, in first-seen order. */
  allKeys(): string[] {
    const set = new Set<string>();
    for (const run of this.byRun.values()) for (const k of run.keys()) set.add(k);
    return [...set];
  }
}
