/**
 * When the Runs tree re-renders a changed row (no vscode here: the tree provider asks, a clock is passed in).
 *
 * VS Code re-creates a tree row's hover whenever it re-renders the row (IconLabel.setupHover disposes the old one):
 * an open tooltip closes and a pending one (the hover delay, 500 ms) is cancelled. A running run's row changes every
 * epoch, often faster than that delay, so its tooltip could never open. Hence a running row is re-rendered at most
 * every `intervalMs`, and a row being read — VS Code asks resolveTreeItem once the pointer has rested on it — waits
 * `readingMs` before its next re-render; then it catches up in one update. Other changes (a run that ends, a group's
 * counts) are shown at once.
 */
export interface PacedRow {
  id: string;
  /** running rows are paced; any other row is shown at once */
  running: boolean;
}

export interface PacerOptions {
  intervalMs: number;
  readingMs: number;
}

export const DEFAULT_PACING: PacerOptions = { intervalMs: 2000, readingMs: 10_000 };

export class RowPacer {
  private readonly shownAt = new Map<string, number>();
  private readonly waiting = new Set<string>();
  private reading: { id: string; until: number } | undefined;

  constructor(private readonly opts: PacerOptions = DEFAULT_PACING, private readonly now: () => number = Date.now) {}

  /** The pointer rests on this row (its tooltip is being resolved). */
  read(id: string): void {
    this.reading = { id, until: this.now() + this.opts.readingMs };
  }

  /** Every row was just rendered (a full refresh). */
  renderedAll(ids: Iterable<string>): void {
    const t = this.now();
    this.waiting.clear();
    for (const id of ids) this.shownAt.set(id, t);
  }

  /**
   * Of the changed rows, those to re-render now; the others wait and `waitMs` says when to ask again (with
   * `waitingIds()`), or is undefined when nothing waits.
   */
  take<T extends PacedRow>(changed: readonly T[]): { now: T[]; waitMs: number | undefined } {
    const t = this.now();
    if (this.reading && this.reading.until <= t) this.reading = undefined;
    const now: T[] = [];
    let wait = Infinity;
    for (const row of changed) {
      if (row.running) {
        const due = Math.max((this.shownAt.get(row.id) ?? -Infinity) + this.opts.intervalMs, this.reading?.id === row.id ? this.reading.until : -Infinity);
        if (due > t) {
          this.waiting.add(row.id);
          wait = Math.min(wait, due - t);
          continue;
        }
      }
      this.shownAt.set(row.id, t);
      this.waiting.delete(row.id);
      now.push(row);
    }
    return { now, waitMs: wait < Infinity ? wait : undefined };
  }

  /** ids of rows whose change has not been shown yet */
  waitingIds(): ReadonlySet<string> {
    return this.waiting;
  }

  forget(id: string): void {
    this.shownAt.delete(id);
    this.waiting.delete(id);
    if (this.reading?.id === id) this.reading = undefined;
  }
}
