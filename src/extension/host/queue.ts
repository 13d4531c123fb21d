/**
 * FIFO launch queue with a concurrency limit (no vscode, no processes: the manager supplies `isFull`).
 */

export interface LaunchRequest {
  /** absolute path of the *.reclab.json (or a run's resolved config.json for a rerun) */
  configPath: string;
  /** `--set path=value` overrides, already formatted */
  overrides: string[];
  /** label shown while queued (experiment name) */
  label: string;
  /** sweep point this launch realises, for display */
  sweepPoint?: Record<string, unknown>;
}

export interface QueuedLaunch {
  id: string;
  request: LaunchRequest;
  enqueuedAt: number;
}

export class LaunchQueue {
  private items: QueuedLaunch[] = [];

  push(item: QueuedLaunch): void {
    this.items.push(item);
  }

  /** Removes and returns the launches that fit under `limit` given `active` running ones. */
  takeReady(active: number, limit: number): QueuedLaunch[] {
    const free = Math.max(0, Math.floor(limit) - active);
    return this.items.splice(0, Math.min(free, this.items.length));
  }

  remove(id: string): QueuedLaunch | undefined {
    const i = this.items.findIndex((q) => q.id === id);
    return i < 0 ? undefined : this.items.splice(i, 1)[0];
  }

  clear(): QueuedLaunch[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  has(id: string): boolean {
    return this.items.some((q) => q.id === id);
  }

  list(): readonly QueuedLaunch[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }
}

/** Formats overrides for `--set`: values always as JSON, so the string "64" stays a string (the engine parses JSON). */
export function formatOverrides(values: Record<string, unknown>): string[] {
  return Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

/** The cartesian grid of a config's `sweep` section (dotted path → values), in declaration order. */
export function expandGrid(sweep: Record<string, unknown[]> | undefined): Record<string, unknown>[] {
  if (!sweep) return [];
  const keys = Object.keys(sweep).filter((k) => Array.isArray(sweep[k]) && sweep[k]!.length > 0);
  if (!keys.length) return [];
  let points: Record<string, unknown>[] = [{}];
  for (const k of keys) points = points.flatMap((p) => sweep[k]!.map((v) => ({ ...p, [k]: v })));
  return points;
}
