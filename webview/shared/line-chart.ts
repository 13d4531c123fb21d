/**
 * A uPlot line chart with its own controls: smoothing (debiased EMA), x axis (step / epoch / wall time), log y,
 * ignore-outliers scaling, box zoom (drag; double-click resets), CSV and JSON export, and a pinned legend that shows
 * the values under the cursor. Charts of one view share a synced cursor when their x axes match.
 */
import uPlot from 'uplot';
import type { XAxisMode } from '../../src/protocol/webview';
import { X_AXIS_MODES } from '../../src/protocol/webview';
import { withAlpha } from './colours';
import { alignUnion, countInRange, LiveGrid, minMaxGrid, type Aligned, type XYLine } from './decimate';
import { clear, formatTick, formatValue, h } from './dom';
import { fileSlug, toCsv, toJson, type ExportSeries } from './export';
import { finiteExtent, padExtent, robustExtent } from './extent';
import { formatDuration } from './run-table';
import type { Series, SeriesStore } from './series-store';
import type { ChartTheme } from './theme';

export interface LineSpec {
  runId: string;
  key: string;
  label: string;
  colour: string;
  /** draw the raw values faintly and the smoothed line on top (false: draw the raw values only) */
  smooth?: boolean;
  dash?: number[];
  width?: number;
}

export interface BandSpec {
  runId: string;
  lowKey: string;
  highKey: string;
  label: string;
  colour: string;
  /** fill opacity */
  opacity: number;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** what the y values are, shown in the export name and the axis */
  yLabel?: string;
  defaultX: XAxisMode;
  lines(): LineSpec[];
  bands?(): BandSpec[];
  /** run name for exports */
  runName(runId: string): string;
  /** shown instead of the plot when there is nothing to draw: why (the card then collapses to this one line) */
  emptyText: string | (() => string);
  /** a choice drawn in the toolbar (e.g. which metric the chart shows) */
  picker?: ChartPicker;
}

export interface ChartPicker {
  label: string;
  options(): { value: string; label: string }[];
  value(): string;
  set(value: string): void;
}

export interface ChartViewState {
  smoothing: number;
  x: XAxisMode;
  logY: boolean;
  ignoreOutliers: boolean;
  zoomX?: [number, number];
  zoomY?: [number, number];
  /** legend labels of series the user switched off (click on a legend item) */
  hidden?: string[];
}

export const DEFAULT_SMOOTHING = 0.6;

export function defaultChartState(x: XAxisMode): ChartViewState {
  return { smoothing: DEFAULT_SMOOTHING, x, logY: false, ignoreOutliers: false };
}

export interface ChartHost {
  store: SeriesStore;
  theme(): ChartTheme;
  syncKey: string;
  saveState(id: string, state: ChartViewState): void;
  exportData(format: 'csv' | 'json', suggestedName: string, content: string): void;
}

const X_LABELS: Record<XAxisMode, string> = { step: 'Step', epoch: 'Epoch', wall: 'Wall time' };
const HEIGHT = 220;
const MIN_DRAG_PX = 5;

/** The lines uPlot draws, in series order (index + 1). */
interface DrawnSeries {
  kind: 'raw' | 'smooth' | 'bandLow' | 'bandHigh';
  series: Series;
  line?: LineSpec;
  band?: BandSpec;
}

export class LineChart {
  readonly root: HTMLElement;
  private plotEl: HTMLElement;
  private legendEl: HTMLElement;
  private emptyEl: HTMLElement;
  private plot: uPlot | undefined;
  private plotSignature = '';
  private drawn: DrawnSeries[] = [];
  private aligned: Aligned = { x: [], ys: [] };
  private lastDataSignature = '';
  private dirty = true;
  private yRange: [number, number] = [0, 1];
  private xRange: [number, number] = [0, 1];
  private controls!: {
    smoothing: HTMLInputElement;
    smoothingValue: HTMLElement;
    x: HTMLElement & { value: string };
    logY: HTMLElement & { checked: boolean };
    outliers: HTMLElement & { checked: boolean };
    picker?: HTMLElement & { value: string };
  };
  private pickerKey = '';
  private resizeObserver: ResizeObserver;
  private width = 0;
  private liveGrid = new LiveGrid();

  constructor(readonly spec: ChartSpec, private state: ChartViewState, private readonly host: ChartHost) {
    this.plotEl = h('div', { class: 'chart-plot' });
    this.legendEl = h('div', { class: 'chart-legend', role: 'group', 'aria-label': 'Series (click to show or hide)' });
    this.emptyEl = h('div', { class: 'chart-empty' }, typeof spec.emptyText === 'string' ? spec.emptyText : '');
    this.root = h(
      'section',
      { class: 'chart-card', 'data-chart': spec.id },
      h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, spec.title), this.buildToolbar()),
      this.plotEl,
      this.emptyEl,
      this.legendEl,
    );
    this.resizeObserver = new ResizeObserver(() => {
      const w = Math.floor(this.plotEl.clientWidth);
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.dirty = true;
        this.render();
      }
    });
    this.resizeObserver.observe(this.plotEl);
  }

  get viewState(): ChartViewState {
    return this.state;
  }

  /** Marks the chart for a redraw (data or theme changed); the view calls render() once per frame. */
  invalidate(rebuild = false): void {
    this.dirty = true;
    if (rebuild) this.plotSignature = '';
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
  }

  private buildToolbar(): HTMLElement {
    const s = this.state;
    const smoothing = h('input', { type: 'range', min: 0, max: 0.99, step: 0.01, value: s.smoothing, class: 'smoothing', 'aria-label': 'Smoothing' });
    const smoothingValue = h('span', { class: 'smoothing-value' }, s.smoothing.toFixed(2));
    smoothing.addEventListener('input', () => {
      this.update({ smoothing: Number(smoothing.value) });
      smoothingValue.textContent = Number(smoothing.value).toFixed(2);
    });
    const x = h('vscode-single-select', { class: 'x-axis', 'aria-label': 'X axis' }) as HTMLElement & { value: string };
    for (const m of X_AXIS_MODES) x.append(h('vscode-option', { value: m, selected: m === s.x }, X_LABELS[m]));
    x.addEventListener('change', () => {
      if (X_AXIS_MODES.includes(x.value as XAxisMode) && x.value !== this.state.x) this.update({ x: x.value as XAxisMode, zoomX: undefined, zoomY: undefined });
    });
    const logY = h('vscode-toolbar-button', { icon: 'symbol-numeric', label: 'Logarithmic y axis', title: 'Logarithmic y axis', toggleable: true, checked: s.logY, class: 'log-y' }) as HTMLElement & { checked: boolean };
    logY.addEventListener('change', () => this.update({ logY: logY.checked, zoomY: undefined }));
    const outliers = h('vscode-toolbar-button', { icon: 'filter', label: 'Ignore outliers in y scaling', title: 'Ignore outliers in y scaling', toggleable: true, checked: s.ignoreOutliers, class: 'outliers' }) as HTMLElement & { checked: boolean };
    outliers.addEventListener('change', () => this.update({ ignoreOutliers: outliers.checked, zoomY: undefined }));
    const reset = h('vscode-toolbar-button', { icon: 'zoom-out', label: 'Reset zoom (or double-click the chart)', title: 'Reset zoom (or double-click the chart)', class: 'reset-zoom' });
    reset.addEventListener('click', () => this.resetZoom());
    const csv = h('vscode-toolbar-button', { icon: 'export', label: 'Export CSV', title: 'Export CSV', class: 'export-csv' }, 'CSV');
    csv.addEventListener('click', () => this.exportAs('csv'));
    const json = h('vscode-toolbar-button', { icon: 'json', label: 'Export JSON', title: 'Export JSON', class: 'export-json' }, 'JSON');
    json.addEventListener('click', () => this.exportAs('json'));
    let picker: (HTMLElement & { value: string }) | undefined;
    if (this.spec.picker) {
      const pk = this.spec.picker;
      picker = h('vscode-single-select', { class: 'chart-picker', 'aria-label': pk.label, title: pk.label }) as HTMLElement & { value: string };
      picker.addEventListener('change', () => {
        if (picker!.value && picker!.value !== pk.value()) {
          pk.set(picker!.value);
          this.update({ zoomX: undefined, zoomY: undefined, hidden: [] });
        }
      });
    }
    this.controls = { smoothing, smoothingValue, x, logY, outliers, picker };
    return h(
      'div',
      { class: 'chart-toolbar' },
      picker ?? null,
      h('label', { class: 'smoothing-control', title: 'Smoothing: debiased exponential moving average (as in TensorBoard)' }, h('span', {}, 'Smoothing'), smoothing, smoothingValue),
      h('span', { class: 'tool-group' }, x, logY, outliers, reset),
      h('span', { class: 'tool-group' }, csv, json),
    );
  }

  /** Applies a change of view state (from the toolbar or from a test) and redraws. */
  update(patch: Partial<ChartViewState>): void {
    const rebuild = ('x' in patch && patch.x !== this.state.x) || ('logY' in patch && patch.logY !== this.state.logY);
    this.state = { ...this.state, ...patch };
    this.host.saveState(this.spec.id, this.state);
    if (rebuild) this.plotSignature = '';
    this.dirty = true;
    this.render();
  }

  resetZoom(): void {
    if (this.state.zoomX || this.state.zoomY) this.update({ zoomX: undefined, zoomY: undefined });
  }

  /** Keeps the picker's options in step with the data (options appear as series arrive). */
  private syncPicker(): void {
    const pk = this.spec.picker;
    const el = this.controls.picker;
    if (!pk || !el) return;
    const opts = pk.options();
    const value = pk.value();
    const key = `${opts.map((o) => o.value).join('|')}#${value}`;
    if (key === this.pickerKey) return;
    this.pickerKey = key;
    clear(el);
    for (const o of opts) el.append(h('vscode-option', { value: o.value, selected: o.value === value }, o.label));
    el.value = value;
    el.hidden = opts.length < 2;
  }

  /** Redraws when anything changed since the last render. */
  render(): void {
    this.syncPicker();
    const drawn = this.collectSeries();
    const dataSignature = drawn.map((d) => `${d.series.runId}/${d.series.key}@${d.series.version}`).join(',');
    if (!this.dirty && dataSignature === this.lastDataSignature) return;
    this.dirty = false;
    this.lastDataSignature = dataSignature;
    this.drawn = drawn;
    const hasData = this.drawn.some((d) => d.series.length > 0);
    this.root.classList.toggle('is-empty', !hasData);
    if (!hasData && typeof this.spec.emptyText === 'function') {
      const why = this.spec.emptyText();
      if (this.emptyEl.textContent !== why) this.emptyEl.textContent = why;
    }
    // smoothing is for per-step training curves only: hidden on charts that draw no smoothed line
    this.root.classList.toggle('no-smoothing', !this.drawn.some((d) => d.line?.smooth));
    if (!hasData || this.width === 0) {
      if (!hasData && this.plot) {
        this.plot.destroy();
        this.plot = undefined;
        this.plotSignature = '';
      }
      this.renderLegend(null);
      return;
    }
    this.computeData();
    const signature = this.signature();
    if (!this.plot || signature !== this.plotSignature) {
      this.plot?.destroy();
      clear(this.plotEl);
      this.plot = new uPlot(this.options(), this.uplotData(), this.plotEl);
      this.plotSignature = signature;
    } else {
      this.plot.setData(this.uplotData(), true);
    }
    this.renderLegend(this.plot.cursor.idx ?? null);
  }

  private collectSeries(): DrawnSeries[] {
    const store = this.host.store;
    const out: DrawnSeries[] = [];
    for (const band of this.spec.bands?.() ?? []) {
      const lo = store.get(band.runId, band.lowKey);
      const hi = store.get(band.runId, band.highKey);
      if (lo?.length && hi?.length) out.push({ kind: 'bandHigh', series: hi, band }, { kind: 'bandLow', series: lo, band });
    }
    for (const line of this.spec.lines()) {
      const s = store.get(line.runId, line.key);
      if (!s?.length) continue;
      if (line.smooth && this.state.smoothing > 0) out.push({ kind: 'raw', series: s, line }, { kind: 'smooth', series: s, line });
      else out.push({ kind: 'smooth', series: s, line: { ...line, smooth: false } });
    }
    return out;
  }

  private xyLine(d: DrawnSeries): XYLine {
    const x = d.series.x(this.state.x);
    const weight = d.kind === 'smooth' && d.line?.smooth ? this.state.smoothing : 0;
    const y = weight > 0 ? d.series.smoothed(weight) : d.series.value;
    // block summaries only pay off for long series
    const blocks = d.series.length > 4096 ? d.series.blocks(weight) : undefined;
    return { x, y, length: d.series.length, blocks };
  }

  private computeData(): void {
    const lines = this.drawn.map((d) => this.xyLine(d));
    let xmin = Infinity;
    let xmax = -Infinity;
    for (const l of lines) {
      if (!l.length) continue;
      xmin = Math.min(xmin, l.x[0]);
      xmax = Math.max(xmax, l.x[l.length - 1]);
    }
    if (xmin === xmax) {
      xmin -= 0.5;
      xmax += 0.5;
    }
    const [x0, x1] = this.state.zoomX ?? [xmin, xmax];
    this.xRange = [x0, x1];
    const buckets = Math.max(50, this.width);
    const dense = lines.some((l) => countInRange(l, x0, x1) > 2 * buckets);
    if (dense && !this.state.zoomX) {
      // full view of growing data: fold in only what was appended since the last frame
      const key = `${this.state.x}|${buckets}|${this.drawn.map((d) => `${d.kind}:${d.series.uid}:${d.kind === 'smooth' && d.line?.smooth ? this.state.smoothing : 0}`).join(',')}`;
      this.aligned = this.liveGrid.decimate(lines, key, x0, x1, buckets);
    } else {
      this.aligned = dense ? minMaxGrid(lines, x0, x1, buckets) : alignUnion(lines, x0, x1);
    }
    if (this.state.logY) for (const ys of this.aligned.ys) for (let i = 0; i < ys.length; i++) if (ys[i] !== null && ys[i]! <= 0) ys[i] = null;
    this.yRange = this.state.zoomY ?? this.autoYRange(x0, x1);
  }

  private autoYRange(x0: number, x1: number): [number, number] {
    const xs = this.aligned.x;
    const inView = this.aligned.ys.map((ys, k) => {
      // the smoothed line (or a band) decides the scale when outliers are ignored; raw values otherwise count too
      if (this.state.ignoreOutliers && this.drawn[k].kind === 'raw') return [];
      const label = this.drawn[k].band?.label ?? this.drawn[k].line?.label;
      if (label !== undefined && this.isHidden(label)) return [];
      const out: number[] = [];
      for (let i = 0; i < ys.length; i++) if (xs[i] >= x0 && xs[i] <= x1 && ys[i] !== null) out.push(ys[i]!);
      return out;
    });
    const e = (this.state.ignoreOutliers ? robustExtent(inView, 0.05, this.state.logY) : finiteExtent(inView, this.state.logY)) ?? { min: this.state.logY ? 0.1 : 0, max: 1 };
    const p = padExtent(e, this.state.logY);
    return [p.min, p.max];
  }

  private uplotData(): uPlot.AlignedData {
    return [this.aligned.x, ...this.aligned.ys] as unknown as uPlot.AlignedData;
  }

  private signature(): string {
    const theme = this.host.theme();
    return [this.state.x, this.state.logY, (this.state.hidden ?? []).join(','), theme.kind, theme.background, this.width, ...this.drawn.map((d) => `${d.kind}:${d.series.runId}:${d.series.key}:${d.line?.colour ?? d.band?.colour}`)].join('|');
  }

  private options(): uPlot.Options {
    const theme = this.host.theme();
    const xKey = this.state.x;
    const axisCommon = { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font, labelFont: theme.font };
    const series: uPlot.Series[] = [{ scale: xKey, label: X_LABELS[xKey] }];
    const bands: uPlot.Band[] = [];
    this.drawn.forEach((d, i) => {
      const idx = i + 1;
      if (d.band) {
        series.push({ show: !this.isHidden(d.band.label), label: d.band.label, stroke: withAlpha(d.band.colour, 0.35), width: 1, points: { show: false }, spanGaps: true });
        if (d.kind === 'bandHigh' && !this.isHidden(d.band.label)) bands.push({ series: [idx, idx + 1], fill: withAlpha(d.band.colour, d.band.opacity) });
        return;
      }
      const line = d.line!;
      const faint = d.kind === 'raw';
      series.push({
        show: !this.isHidden(line.label),
        label: line.label,
        stroke: faint ? withAlpha(line.colour, theme.kind.startsWith('high-contrast') ? 0.45 : 0.28) : line.colour,
        width: faint ? 1 : (line.width ?? 1.75),
        dash: line.dash,
        spanGaps: true,
        points: faint ? { show: false } : { size: 5, fill: line.colour, stroke: line.colour },
      });
    });
    const wallValues = (_u: uPlot, splits: number[]) => splits.map((v) => formatDuration(v));
    return {
      width: this.width,
      height: HEIGHT,
      pxAlign: 0,
      legend: { show: false },
      padding: [8, 12, 0, 4],
      scales: {
        [xKey]: { time: false, range: () => this.xRange },
        y: { distr: this.state.logY ? 3 : 1, log: 10, range: () => this.yRange },
      },
      axes: [
        { ...axisCommon, scale: xKey, label: X_LABELS[xKey], labelSize: 18, size: 32, values: xKey === 'wall' ? wallValues : undefined },
        { ...axisCommon, scale: 'y', size: 56, values: (_u, splits) => splits.map((v) => formatTick(v)) },
      ],
      series,
      bands,
      cursor: {
        sync: { key: this.host.syncKey, scales: [xKey, null], setSeries: false },
        drag: { x: true, y: true, uni: 24, setScale: false },
        points: { size: 6 },
        focus: { prox: 16 },
      },
      hooks: {
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.renderLegend(u.cursor.idx ?? null)],
        ready: [(u) => u.over.addEventListener('dblclick', () => this.resetZoom())],
      },
    };
  }

  private onSelect(u: uPlot): void {
    const sel = u.select;
    if (sel.width < MIN_DRAG_PX && sel.height < MIN_DRAG_PX) return;
    const patch: Partial<ChartViewState> = {};
    if (sel.width >= MIN_DRAG_PX) {
      const a = u.posToVal(sel.left, this.state.x);
      const b = u.posToVal(sel.left + sel.width, this.state.x);
      patch.zoomX = [Math.min(a, b), Math.max(a, b)];
    }
    const fullHeight = u.over.clientHeight;
    if (sel.height >= MIN_DRAG_PX && sel.height < fullHeight - 1) {
      const top = u.posToVal(sel.top, 'y');
      const bottom = u.posToVal(sel.top + sel.height, 'y');
      patch.zoomY = [Math.min(top, bottom), Math.max(top, bottom)];
    }
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    this.update(patch);
  }

  private isHidden(label: string): boolean {
    return !!this.state.hidden?.includes(label);
  }

  /** Shows or hides one series (a click on its legend item). */
  toggleSeries(label: string): void {
    const hidden = new Set(this.state.hidden ?? []);
    if (hidden.has(label)) hidden.delete(label);
    else hidden.add(label);
    this.update({ hidden: [...hidden], zoomY: undefined });
  }

  private legendItems: { key: string; value: HTMLElement }[] = [];
  private legendX: HTMLElement | undefined;
  private legendKey = '';

  private renderLegend(idx: number | null): void {
    const xs = this.aligned.x;
    const at = idx !== null && idx >= 0 && idx < xs.length ? idx : null;
    const entries: LegendEntry[] = [];
    this.legendEntries(at, entries);
    const key = `${(this.state.hidden ?? []).join(',')}#${entries.map((e) => `${e.label}|${e.colour}|${e.band}`).join('\n')}`;
    if (key !== this.legendKey) {
      // the set of items changed: rebuild; otherwise only the values are rewritten (no DOM churn while streaming)
      this.legendKey = key;
      clear(this.legendEl);
      this.legendX = h('span', { class: 'legend-x' });
      this.legendEl.append(this.legendX);
      this.legendItems = entries.map((e) => {
        const item = legendItem(e.colour, e.label, e.value, e.band, e.dash);
        const off = this.isHidden(e.label);
        item.classList.toggle('off', off);
        item.setAttribute('aria-pressed', String(!off));
        item.title = off ? `Show ${e.label}` : `Hide ${e.label}`;
        const toggle = () => this.toggleSeries(e.label);
        item.addEventListener('click', toggle);
        item.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            toggle();
          }
        });
        this.legendEl.append(item);
        return { key: e.label, value: item.querySelector('.legend-value') as HTMLElement };
      });
    }
    entries.forEach((e, i) => {
      const el = this.legendItems[i].value;
      if (el.textContent !== e.value) el.textContent = e.value;
    });
    const xText = at !== null ? `${X_LABELS[this.state.x]} ${this.state.x === 'wall' ? formatDuration(xs[at]) : formatValue(xs[at])}` : '';
    if (this.legendX && this.legendX.textContent !== xText) this.legendX.textContent = xText;
    this.legendX?.classList.toggle('hidden', at === null);
  }

  private legendEntries(at: number | null, out: LegendEntry[]): void {
    const seen = new Set<string>();
    this.drawn.forEach((d, k) => {
      if (d.kind === 'raw' || d.kind === 'bandLow') return;
      const label = d.band?.label ?? d.line!.label;
      if (seen.has(label)) return;
      seen.add(label);
      const colour = d.band?.colour ?? d.line!.colour;
      let value: number | null | undefined;
      if (d.band) {
        const hi = at !== null ? this.aligned.ys[k][at] : lastOf(d.series);
        const loSeries = this.drawn[k + 1];
        const lo = at !== null ? this.aligned.ys[k + 1][at] : lastOf(loSeries.series);
        out.push({ label, colour, band: true, value: `${formatValue(lo)} – ${formatValue(hi)}` });
        return;
      }
      value = at !== null ? this.aligned.ys[k][at] : lastOf(d.series, d.line?.smooth ? this.state.smoothing : 0);
      out.push({ label, colour, band: false, value: formatValue(value), dash: !!d.line?.dash });
    });
  }

  /** Every point of every line and band of this chart (not decimated), with smoothed values where smoothed. */
  exportSeries(): ExportSeries[] {
    const out: ExportSeries[] = [];
    const seen = new Set<Series>();
    for (const d of this.collectSeries()) {
      if (d.kind === 'raw' || seen.has(d.series)) continue;
      seen.add(d.series);
      const s = d.series;
      const smoothed = d.line?.smooth && this.state.smoothing > 0 ? s.smoothed(this.state.smoothing).subarray(0, s.length) : undefined;
      out.push({
        run: this.spec.runName(s.runId),
        runId: s.runId,
        series: s.key,
        step: s.step.subarray(0, s.length),
        epoch: s.epoch.subarray(0, s.length),
        wall: s.wall.subarray(0, s.length),
        value: s.value.subarray(0, s.length),
        smoothed,
        length: s.length,
      });
    }
    return out;
  }

  exportAs(format: 'csv' | 'json'): void {
    const series = this.exportSeries();
    const content = format === 'csv' ? toCsv(series) : toJson(series, this.spec.title);
    this.host.exportData(format, `${fileSlug(this.spec.title)}.${format}`, content);
  }

  /** Counts for tests: how many rows uPlot was given and the y range in use. */
  debugInfo(): { rows: number; series: number; yRange: [number, number]; xRange: [number, number]; state: ChartViewState } {
    return { rows: this.aligned.x.length, series: this.drawn.length, yRange: this.yRange, xRange: this.xRange, state: this.state };
  }
}

function lastOf(s: Series, smoothing = 0): number | undefined {
  if (!s.length) return undefined;
  return smoothing > 0 ? s.smoothed(smoothing)[s.length - 1] : s.value[s.length - 1];
}

interface LegendEntry {
  label: string;
  colour: string;
  band: boolean;
  value: string;
  dash?: boolean;
}

function legendItem(colour: string, label: string, value: string, band: boolean, dash?: boolean): HTMLElement {
  const swatch = h('span', { class: band ? 'swatch band' : dash ? 'swatch dashed' : 'swatch' });
  swatch.style.setProperty('--swatch', colour);
  return h('span', { class: 'legend-item', role: 'button', tabindex: 0 }, swatch, h('span', { class: 'legend-label' }, label), h('span', { class: 'legend-value' }, value));
}
