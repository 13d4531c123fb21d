/**
 * A small uPlot bar chart for distributions recorded once per epoch (per-user τ histogram of the latest epoch).
 * Controls: log y, CSV and JSON export (smoothing and x axis do not apply to a histogram).
 */
import uPlot from 'uplot';
import { withAlpha } from './colours';
import { clear, formatValue, h } from './dom';
import { csvField, fileSlug } from './export';
import type { ChartTheme } from './theme';

export interface Bars {
  /** bin edges (length = counts + 1) */
  edges: number[];
  counts: number[];
  caption: string;
}

export interface BarChartHost {
  theme(): ChartTheme;
  exportData(format: 'csv' | 'json', suggestedName: string, content: string): void;
}

export class BarChart {
  readonly root: HTMLElement;
  private plotEl: HTMLElement;
  private captionEl: HTMLElement;
  private plot: uPlot | undefined;
  private bars: Bars | undefined;
  private logY = false;
  private width = 0;
  private resizeObserver: ResizeObserver;

  constructor(readonly id: string, readonly title: string, private readonly colour: () => string, private readonly host: BarChartHost, emptyText: string) {
    this.plotEl = h('div', { class: 'chart-plot' });
    this.captionEl = h('div', { class: 'chart-legend' });
    const logY = h('vscode-toolbar-button', { icon: 'symbol-numeric', label: 'Logarithmic y axis', title: 'Logarithmic y axis', toggleable: true, class: 'log-y' }) as HTMLElement & { checked: boolean };
    logY.addEventListener('change', () => {
      this.logY = logY.checked;
      this.rebuild();
    });
    const csv = h('vscode-toolbar-button', { icon: 'export', label: 'Export CSV', title: 'Export CSV', class: 'export-csv' }, 'CSV');
    csv.addEventListener('click', () => this.exportAs('csv'));
    const json = h('vscode-toolbar-button', { icon: 'json', label: 'Export JSON', title: 'Export JSON', class: 'export-json' }, 'JSON');
    json.addEventListener('click', () => this.exportAs('json'));
    this.root = h(
      'section',
      { class: 'chart-card is-empty', 'data-chart': id },
      h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, title), h('div', { class: 'chart-toolbar' }, logY, csv, json)),
      this.plotEl,
      h('div', { class: 'chart-empty' }, emptyText),
      this.captionEl,
    );
    this.resizeObserver = new ResizeObserver(() => {
      const w = Math.floor(this.plotEl.clientWidth);
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.rebuild();
      }
    });
    this.resizeObserver.observe(this.plotEl);
  }

  set(bars: Bars | undefined): void {
    this.bars = bars;
    this.rebuild();
  }

  rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    clear(this.plotEl);
    const b = this.bars;
    this.root.classList.toggle('is-empty', !b || !b.counts.length);
    this.captionEl.textContent = b?.caption ?? '';
    if (!b || !b.counts.length || !this.width) return;
    const theme = this.host.theme();
    const centres = b.counts.map((_, i) => (b.edges[i] + b.edges[i + 1]) / 2);
    const counts = b.counts.map((c) => (this.logY && c <= 0 ? null : c));
    const maxCount = Math.max(1, ...b.counts);
    const colour = this.colour();
    const axis = { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font };
    this.plot = new uPlot(
      {
        width: this.width,
        height: 180,
        legend: { show: false },
        padding: [8, 12, 0, 4],
        scales: {
          x: { time: false, range: () => [b.edges[0], b.edges[b.edges.length - 1]] },
          y: { distr: this.logY ? 3 : 1, log: 10, range: () => (this.logY ? [0.8, maxCount * 1.5] : [0, maxCount * 1.08]) },
        },
        axes: [{ ...axis, values: (_u, s) => s.map((v) => formatValue(v)) }, { ...axis, size: 56, values: (_u, s) => s.map((v) => formatValue(v)) }],
        series: [{}, { label: 'users', stroke: colour, fill: withAlpha(colour, 0.55), width: 1, paths: uPlot.paths.bars!({ size: [0.92, Infinity], align: 0 }), points: { show: false } }],
        cursor: { drag: { x: false, y: false } },
      },
      [centres, counts] as unknown as uPlot.AlignedData,
      this.plotEl,
    );
  }

  exportAs(format: 'csv' | 'json'): void {
    const b = this.bars;
    if (!b) return;
    const rows = b.counts.map((count, i) => ({ binStart: b.edges[i], binEnd: b.edges[i + 1], count }));
    const content =
      format === 'csv'
        ? ['bin_start,bin_end,count', ...rows.map((r) => [r.binStart, r.binEnd, r.count].map(csvField).join(','))].join('\n') + '\n'
        : JSON.stringify({ source: this.title, caption: b.caption, bins: rows }, null, 1) + '\n';
    this.host.exportData(format, `${fileSlug(this.title)}.${format}`, content);
  }

  debugInfo(): { bins: number; logY: boolean } {
    return { bins: this.bars?.counts.length ?? 0, logY: this.logY };
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
  }
}
