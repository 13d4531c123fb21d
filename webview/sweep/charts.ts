/**
 * The sweep view's two canvas charts, in the style of the other views' cards (theme colours, the same fonts, a
 * toolbar, a legend under the plot, redrawn on resize and theme change):
 *  - ParallelChart: one vertical axis per parameter and the metric last; one polyline per trial; dragging along an
 *    axis brushes it (a range filter; a click without a drag clears that axis's brush).
 *  - ScatterChart: the metric against one parameter.
 * Trials are drawn by class: finished (by value, the best emphasised), running, stopped by ASHA (dashed, orange,
 * hollow markers), stopped by the user (dashed, muted), failed (red, dotted, ✕ below the metric axis).
 * uPlot draws series over a shared x; neither chart has one, so both draw on their own canvas here.
 */
import { withAlpha } from '../shared/colours';
import { h } from '../shared/dom';
import type { ChartTheme } from '../shared/theme';
import { axisPosition, axisTicks, CLASS_LABELS, METRIC_AXIS, TRIAL_CLASSES, type Axis, type Brushes, type SweepModel, type TrialClass } from './model';
import type { SweepViewTrial } from '../../src/protocol/sweep-view';

export interface ClassStyle {
  colour: string;
  width: number;
  dash: number[];
  /** marker: filled disc, hollow ring, or a cross */
  marker: 'disc' | 'ring' | 'cross' | 'square';
}

export function classStyle(c: TrialClass, theme: ChartTheme): ClassStyle {
  const p = theme.palette;
  switch (c) {
    case 'best': return { colour: p.green, width: 3, dash: [], marker: 'disc' };
    case 'finished': return { colour: p.blue, width: 1.5, dash: [], marker: 'disc' };
    case 'running': return { colour: p.purple, width: 1.5, dash: [2, 2], marker: 'ring' };
    case 'pruned': return { colour: p.orange, width: 1.25, dash: [6, 3], marker: 'ring' };
    case 'stopped': return { colour: theme.muted, width: 1.25, dash: [3, 3], marker: 'square' };
    case 'failed': return { colour: p.red, width: 1.25, dash: [1, 3], marker: 'cross' };
    case 'waiting': return { colour: theme.muted, width: 1, dash: [1, 4], marker: 'ring' };
  }
}

export interface ChartData {
  trials: SweepViewTrial[];
  model: SweepModel;
  theme: ChartTheme;
}

abstract class CanvasCard {
  readonly root: HTMLElement;
  protected readonly canvas: HTMLCanvasElement;
  protected readonly legendEl: HTMLElement;
  protected readonly toolbar: HTMLElement;
  protected readonly emptyEl: HTMLElement;
  protected width = 0;
  protected data: ChartData | undefined;
  private frame = 0;

  constructor(readonly id: string, title: string, emptyText: string) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': title });
    this.legendEl = h('div', { class: 'chart-legend' });
    this.toolbar = h('div', { class: 'chart-toolbar' });
    this.emptyEl = h('div', { class: 'chart-empty' }, emptyText);
    this.root = h('section', { class: 'chart-card is-empty', 'data-chart': id },
      h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, title), this.toolbar),
      h('div', { class: 'chart-plot' }, this.canvas), this.emptyEl, this.legendEl);
    new ResizeObserver(() => {
      const w = Math.floor((this.canvas.parentElement?.clientWidth ?? 0));
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.draw();
      }
    }).observe(this.canvas.parentElement!);
  }

  update(data: ChartData): void {
    this.data = data;
    if (!this.frame) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  protected height(): number {
    return this.width < 480 ? 240 : 320;
  }

  /** sizes the canvas for the device pixel ratio; returns its 2D context in CSS pixels */
  protected context(): CanvasRenderingContext2D {
    const dpr = window.devicePixelRatio || 1;
    const w = this.width;
    const hgt = this.height();
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(hgt * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hgt}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    return ctx;
  }

  protected legend(classes: Map<number, TrialClass>, theme: ChartTheme): void {
    const counts = new Map<TrialClass, number>();
    for (const c of classes.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
    const sig = TRIAL_CLASSES.map((c) => `${c}:${counts.get(c) ?? 0}`).join(',') + theme.kind;
    if (this.legendEl.dataset.sig === sig) return;
    this.legendEl.dataset.sig = sig;
    this.legendEl.replaceChildren(...TRIAL_CLASSES.filter((c) => counts.get(c)).map((c) => {
      const st = classStyle(c, theme);
      const swatch = h('span', { class: st.dash.length ? 'swatch dashed' : 'swatch' });
      swatch.style.setProperty('--swatch', st.colour);
      return h('span', { class: `legend-item trial-${c}`, 'data-class': c }, swatch, `${CLASS_LABELS[c]} `, h('span', { class: 'legend-value' }, String(counts.get(c))));
    }));
  }

  protected setEmpty(empty: boolean): void {
    this.root.classList.toggle('is-empty', empty);
  }

  abstract draw(): void;
}

/** draws a marker centred at (x, y) */
function marker(ctx: CanvasRenderingContext2D, kind: ClassStyle['marker'], x: number, y: number, r: number, colour: string, background: string): void {
  ctx.setLineDash([]);
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  if (kind === 'cross') {
    ctx.moveTo(x - r, y - r);
    ctx.lineTo(x + r, y + r);
    ctx.moveTo(x + r, y - r);
    ctx.lineTo(x - r, y + r);
    ctx.stroke();
    return;
  }
  if (kind === 'square') ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else ctx.arc(x, y, r, 0, 2 * Math.PI);
  if (kind === 'disc') ctx.fill();
  else {
    ctx.fillStyle = background;
    ctx.fill();
    ctx.stroke();
  }
}

/** the order trials are drawn in: waiting and filtered first, the best last (on top) */
const DRAW_ORDER: TrialClass[] = ['waiting', 'stopped', 'failed', 'pruned', 'running', 'finished', 'best'];

export class ParallelChart extends CanvasCard {
  private axes: Axis[] = [];
  private xs: number[] = [];
  private top = 28;
  private bottom = 0;
  private drag: { key: string; from: number; to: number } | undefined;

  constructor(private readonly brushes: () => Brushes, private readonly onBrush: (key: string, range: [number, number] | undefined) => void) {
    super('parallel', 'Parallel coordinates', 'No trial has a point yet.');
    this.canvas.tabIndex = 0;
    this.canvas.addEventListener('pointerdown', (e) => this.pointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.pointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.pointerUp(e));
    this.canvas.style.touchAction = 'none';
  }

  /** every axis in drawing order: the parameters, then the metric */
  allAxes(): Axis[] {
    return this.axes;
  }

  /** CSS-pixel x of an axis and the y of a position on it (for tests and pointer handling) */
  axisGeometry(key: string): { x: number; top: number; bottom: number } | undefined {
    const i = this.axes.findIndex((a) => a.key === key);
    return i < 0 ? undefined : { x: this.xs[i], top: this.top, bottom: this.bottom };
  }

  draw(): void {
    const d = this.data;
    if (!d) return;
    const { model, theme } = d;
    this.axes = [...model.axes, ...(model.metricAxis ? [model.metricAxis] : [])];
    // an empty card hides its plot (width 0): decide first, so that showing it lets the resize observer size it
    this.setEmpty(this.axes.length === 0 || d.trials.length === 0);
    if (!this.width) return;
    const ctx = this.context();
    const w = this.width;
    const hgt = this.height();
    this.top = 30;
    this.bottom = hgt - 34;
    const left = 34;
    const right = w < 480 ? 44 : 64;
    const n = this.axes.length;
    this.xs = this.axes.map((_, i) => (n === 1 ? w / 2 : left + (i * (w - left - right)) / (n - 1)));
    const yOf = (p: number) => this.bottom - p * (this.bottom - this.top);
    ctx.font = theme.font.replace(/^[\d.]+px/, '11px');
    // polylines
    const trials = [...d.trials].sort((a, b) => {
      const sa = model.selected.has(a.index) ? 1 : 0;
      const sb = model.selected.has(b.index) ? 1 : 0;
      return sa - sb || DRAW_ORDER.indexOf(model.classes.get(a.index)!) - DRAW_ORDER.indexOf(model.classes.get(b.index)!);
    });
    const noValueY = this.bottom + 16;
    for (const t of trials) {
      const cls = model.classes.get(t.index)!;
      const st = classStyle(cls, theme);
      const on = model.selected.has(t.index);
      ctx.strokeStyle = on ? (cls === 'finished' ? withAlpha(st.colour, valueAlpha(model, t.index)) : st.colour) : theme.grid;
      ctx.lineWidth = on ? st.width : 1;
      ctx.setLineDash(on ? st.dash : []);
      ctx.beginPath();
      let started = false;
      let last: [number, number] | undefined;
      this.axes.forEach((a, i) => {
        const p = a.key === METRIC_AXIS ? axisPosition(a, model.values.get(t.index)) : axisPosition(a, t.point[a.key]);
        if (p === undefined) return;
        const x = this.xs[i];
        const y = yOf(p);
        if (!started) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
        started = true;
        last = [x, y];
      });
      ctx.stroke();
      // a trial without a value (failed, waiting, not evaluated yet) is marked under the metric axis
      if (on && model.metricAxis && model.values.get(t.index) === undefined && last && (cls === 'failed' || cls === 'running' || cls === 'waiting')) {
        marker(ctx, st.marker, this.xs[n - 1], noValueY, 4, st.colour, theme.background);
      } else if (on && model.metricAxis && model.values.get(t.index) !== undefined) {
        marker(ctx, st.marker, this.xs[n - 1], yOf(axisPosition(model.metricAxis, model.values.get(t.index))!), cls === 'best' ? 5 : 3.5, st.colour, theme.background);
      }
    }
    ctx.setLineDash([]);
    // axes, brushes, ticks, titles
    const brushes = this.brushes();
    this.axes.forEach((a, i) => {
      const x = this.xs[i];
      const b = this.drag?.key === a.key ? ([Math.min(this.drag.from, this.drag.to), Math.max(this.drag.from, this.drag.to)] as [number, number]) : brushes[a.key];
      if (b) {
        ctx.fillStyle = withAlpha(theme.focus, 0.25);
        ctx.strokeStyle = theme.focus;
        ctx.lineWidth = 1;
        ctx.fillRect(x - 7, yOf(b[1]), 14, yOf(b[0]) - yOf(b[1]));
        ctx.strokeRect(x - 7, yOf(b[1]), 14, yOf(b[0]) - yOf(b[1]));
      }
      ctx.strokeStyle = theme.foreground;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, this.top);
      ctx.lineTo(x, this.bottom);
      ctx.stroke();
      ctx.fillStyle = theme.muted;
      const ticks = axisTicks(a, a.scale === 'category' ? 0 : 5);
      const align: CanvasTextAlign = i === n - 1 && n > 1 ? 'left' : 'right';
      ctx.textAlign = align;
      ctx.textBaseline = 'middle';
      const narrow = this.width < 480;
      for (const tk of ticks) {
        if (narrow && a.scale !== 'category' && tk.p !== 0 && tk.p !== 1) continue;
        ctx.fillText(tk.label, x + (align === 'left' ? 5 : -5), yOf(tk.p), narrow ? 40 : 70);
        ctx.beginPath();
        ctx.moveTo(x - 3, yOf(tk.p));
        ctx.lineTo(x + 3, yOf(tk.p));
        ctx.stroke();
      }
      ctx.fillStyle = a.key === METRIC_AXIS ? theme.foreground : theme.foreground;
      ctx.textAlign = i === 0 && n > 1 ? 'left' : i === n - 1 && n > 1 ? 'right' : 'center';
      ctx.textBaseline = 'alphabetic';
      const label = a.key === METRIC_AXIS ? a.label : a.label + (a.scale === 'log' ? ' (log)' : '');
      const room = n > 1 ? Math.max(40, (this.xs[1] - this.xs[0]) - 6) : this.width;
      ctx.fillText(label, i === 0 && n > 1 ? x - 10 : i === n - 1 && n > 1 ? x + 10 : x, 16, room);
    });
    if (model.metricAxis && n) {
      ctx.fillStyle = theme.muted;
      ctx.textAlign = 'right';
      ctx.fillText('no value', this.xs[n - 1] - 8, noValueY + 4);
    }
    this.legend(model.classes, theme);
  }

  private axisAt(x: number): Axis | undefined {
    let best: Axis | undefined;
    let dist = 16;
    this.axes.forEach((a, i) => {
      const dx = Math.abs(this.xs[i] - x);
      if (dx < dist) {
        dist = dx;
        best = a;
      }
    });
    return best;
  }

  private positionAt(y: number): number {
    return Math.min(1, Math.max(0, (this.bottom - y) / (this.bottom - this.top)));
  }

  private local(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private pointerDown(e: PointerEvent): void {
    const { x, y } = this.local(e);
    const a = this.axisAt(x);
    if (!a || y < this.top - 8 || y > this.bottom + 8) return;
    this.canvas.setPointerCapture(e.pointerId);
    const p = this.positionAt(y);
    this.drag = { key: a.key, from: p, to: p };
    e.preventDefault();
  }

  private pointerMove(e: PointerEvent): void {
    if (!this.drag) return;
    this.drag.to = this.positionAt(this.local(e).y);
    this.draw();
  }

  private pointerUp(e: PointerEvent): void {
    if (!this.drag) return;
    const d = this.drag;
    d.to = this.positionAt(this.local(e).y);
    this.drag = undefined;
    const lo = Math.min(d.from, d.to);
    const hi = Math.max(d.from, d.to);
    // a click (no drag) clears the axis's brush
    this.onBrush(d.key, (hi - lo) * (this.bottom - this.top) < 4 ? undefined : [lo, hi]);
  }
}

/** finished trials: the better the value, the more opaque the line */
function valueAlpha(model: SweepModel, index: number): number {
  const v = model.values.get(index);
  const a = model.metricAxis;
  if (v === undefined || !a) return 0.5;
  return 0.3 + 0.7 * Math.min(1, Math.max(0, (v - a.min) / (a.max - a.min)));
}

export class ScatterChart extends CanvasCard {
  private axis: Axis | undefined;

  constructor(title: string) {
    super('scatter', title, 'No trial has a value yet.');
  }

  get toolbarEl(): HTMLElement {
    return this.toolbar;
  }

  setAxis(axis: Axis | undefined): void {
    this.axis = axis;
  }

  /** how many markers the last draw placed (for tests) */
  drawnMarkers = 0;

  draw(): void {
    const d = this.data;
    if (!d) return;
    const { model, theme } = d;
    const ya = model.metricAxis;
    const xa = this.axis;
    this.setEmpty(!ya || !xa);
    if (!ya || !xa || !this.width) {
      this.legend(model.classes, theme);
      return;
    }
    const ctx = this.context();
    const w = this.width;
    const hgt = this.height();
    const left = w < 480 ? 48 : 64;
    const right = 14;
    const top = 12;
    const bottom = hgt - 40;
    const xOf = (p: number) => left + (xa.scale === 'category' ? 0.1 + 0.8 * p : p) * (w - left - right);
    const yOf = (p: number) => bottom - p * (bottom - top);
    ctx.font = theme.font.replace(/^[\d.]+px/, '11px');
    // grid and ticks
    ctx.strokeStyle = theme.grid;
    ctx.fillStyle = theme.muted;
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (const tk of axisTicks(ya, 5)) {
      ctx.beginPath();
      ctx.moveTo(left, yOf(tk.p));
      ctx.lineTo(w - right, yOf(tk.p));
      ctx.stroke();
      ctx.fillText(tk.label, left - 6, yOf(tk.p));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xticks = axisTicks(xa, w < 480 ? 3 : 6);
    for (const tk of xticks) {
      ctx.beginPath();
      ctx.moveTo(xOf(tk.p), top);
      ctx.lineTo(xOf(tk.p), bottom);
      ctx.stroke();
      ctx.fillText(tk.label, xOf(tk.p), bottom + 5, Math.max(30, (w - left - right) / Math.max(1, xticks.length) - 4));
    }
    ctx.fillStyle = theme.foreground;
    ctx.fillText(xa.label + (xa.scale === 'log' ? ' (log)' : ''), (left + w - right) / 2, bottom + 22);
    ctx.save();
    ctx.translate(12, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(ya.label, 0, 0);
    ctx.restore();
    // markers: a category's trials spread a little (by trial index) so equal values stay visible
    const trials = [...d.trials].sort((a, b) => DRAW_ORDER.indexOf(model.classes.get(a.index)!) - DRAW_ORDER.indexOf(model.classes.get(b.index)!));
    this.drawnMarkers = 0;
    for (const t of trials) {
      const v = model.values.get(t.index);
      const px = axisPosition(xa, t.point[xa.key]);
      if (px === undefined) continue;
      const cls = model.classes.get(t.index)!;
      const st = classStyle(cls, theme);
      const jitter = xa.scale === 'category' ? (((t.index * 7919) % 13) / 12 - 0.5) * 0.08 : 0;
      const x = xOf(Math.min(1, Math.max(0, px + jitter)));
      const on = model.selected.has(t.index);
      const colour = on ? st.colour : theme.grid;
      if (v === undefined) {
        if (cls === 'failed') {
          marker(ctx, 'cross', x, bottom - 4, 4, colour, theme.background);
          this.drawnMarkers++;
        }
        continue;
      }
      marker(ctx, st.marker, x, yOf(axisPosition(ya, v)!), cls === 'best' ? 6 : 4, colour, theme.background);
      this.drawnMarkers++;
    }
    this.legend(model.classes, theme);
  }
}
