/**
 * Turns RunEvents into terminal output: a per-epoch table, and on a TTY a live progress line with ETA.
 */
import { escapeControls } from '../engine/text/quote';
import type { RunEvent, MetricValues } from '../protocol/events';

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function fmtMetric(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4);
}

/** A plain text table with right-aligned numeric columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export class ConsoleReporter {
  private stepsPerEpoch = 0;
  private epochs = 0;
  private epochStart = Date.now();
  private stepsInEpoch = 0;
  private lastEpochSeconds: number[] = [];
  private pendingEpoch: { epoch: number; loss: number; seconds: number } | null = null;
  private headerPrinted = false;
  private progressShown = false;
  private lastDraw = 0;
  private readonly metricCols: string[];

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly selectMetric: string,
    private readonly quiet = false,
  ) {
    const k = selectMetric.split('@')[1] ?? '20';
    this.metricCols = [...new Set([`recall@${k}`, `ndcg@${k}`, selectMetric])];
  }

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  private clearProgress(): void {
    if (this.progressShown) {
      this.out.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }

  private print(line: string): void {
    this.clearProgress();
    this.out.write(escapeControls(line) + '\n'); // lines quote names and messages from the user's files
  }

  private drawProgress(label: string, fraction: number, eta?: number): void {
    if (!this.tty || this.quiet) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && fraction < 1) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.out.write(`\r\x1b[2K${escapeControls(label)} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%${eta !== undefined ? ` ETA ${fmtDuration(eta)}` : ''}`);
    this.progressShown = true;
  }

  private header(): void {
    if (this.headerPrinted) return;
    this.headerPrinted = true;
    this.print(['epoch', '     loss', '   time', ...this.metricCols.map((m) => m.padStart(10)), ''].join('  '));
  }

  private row(epoch: number, loss: number | undefined, seconds: number | undefined, metrics?: MetricValues, best?: boolean): void {
    this.header();
    const cells = [
      String(epoch).padStart(5),
      (loss === undefined ? '—' : loss.toFixed(5)).padStart(9),
      (seconds === undefined ? '—' : fmtDuration(seconds)).padStart(7),
      ...this.metricCols.map((m) => fmtMetric(metrics?.[m]).padStart(10)),
      best ? '★' : '',
    ];
    this.print(cells.join('  '));
  }

  private flushEpoch(metrics?: MetricValues, best?: boolean): void {
    if (!this.pendingEpoch) return;
    const p = this.pendingEpoch;
    this.pendingEpoch = null;
    this.row(p.epoch, p.loss, p.seconds, metrics, best);
  }

  handle(e: RunEvent): void {
    switch (e.kind) {
      case 'start':
        this.stepsPerEpoch = e.stepsPerEpoch;
        this.epochs = e.epochs;
        this.print(`run ${e.runId}`);
        this.print(`  ${e.summary}`);
        this.print(`  data ${e.dataset.name}: ${e.dataset.users} users, ${e.dataset.items} items, ${e.dataset.train} train / ${e.dataset.valid} valid / ${e.dataset.test} test · backend ${e.backend}`);
        this.epochStart = Date.now();
        break;
      case 'phase':
        if (e.phase === 'train') {
          this.epochStart = Date.now();
          this.stepsInEpoch = 0;
        } else if (e.phase === 'eval' && e.progress !== undefined) this.drawProgress('  evaluating', e.progress);
        else if (e.phase === 'load' && e.message) this.drawProgress(`  ${e.message}`, e.progress ?? 0);
        break;
      case 'step': {
        this.stepsInEpoch += e.steps;
        const f = this.stepsPerEpoch ? this.stepsInEpoch / this.stepsPerEpoch : 0;
        const elapsed = (Date.now() - this.epochStart) / 1000;
        const perEpoch = this.lastEpochSeconds.length ? this.lastEpochSeconds.reduce((a, b) => a + b, 0) / this.lastEpochSeconds.length : f > 0 ? elapsed / f : 0;
        const eta = f > 0 ? elapsed / f - elapsed + perEpoch * (this.epochs - e.epoch) : undefined;
        this.drawProgress(`  epoch ${e.epoch}/${this.epochs} loss ${e.loss.toFixed(4)}`, f, eta);
        break;
      }
      case 'epoch':
        this.flushEpoch();
        this.lastEpochSeconds.push(e.seconds);
        if (this.lastEpochSeconds.length > 5) this.lastEpochSeconds.shift();
        this.pendingEpoch = { epoch: e.epoch, loss: e.loss, seconds: e.seconds };
        break;
      case 'eval':
        if (e.split === 'test' && this.pendingEpoch === null && e.selection === undefined) break; // test half of a valid-selected eval
        if (e.selection) {
          if (this.pendingEpoch) this.flushEpoch(e.metrics, e.selection.best);
          else this.row(e.epoch, undefined, undefined, e.metrics, e.selection.best);
        }
        break;
      case 'log':
        if (e.level !== 'info') this.print(`  ${e.level}: ${e.message}`);
        else if (/early stop|lr →|papers' protocol/.test(e.message)) this.print(`  ${e.message}`);
        break;
      case 'end':
        this.flushEpoch();
        this.clearProgress();
        break;
      default:
        break;
    }
  }
}
