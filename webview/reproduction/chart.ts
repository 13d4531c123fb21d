/**
 * Ours vs published for one metric, one line per row (a dot plot, read faster than the table's columns): the
 * published number a hollow ring, ours a filled disc, joined by a segment green when ours is at least the published
 * number and red when below, Δ % at the right. A running row's selection so far is a dashed ring ("so far"); a row
 * without ours shows its status instead. Canvas in theme colours, redrawn on resize and theme change.
 */
import { h } from '../shared/dom';
import type { ChartTheme } from '../shared/theme';
import { chartRange, type ChartPoint } from './model';

const ROW_H = 26;
const TOP = 8;
const AXIS_H = 22;

export class PairedDotChart {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legendEl: HTMLElement;
  private width = 0;
  private points: ChartPoint[] = [];
  private theme: ChartTheme | undefined;
  private frame = 0;
  /** what the last draw put on the canvas (for tests): rows drawn with ours, with published, so far */
  drawn = { ours: 0, published: 0, soFar: 0 };

  constructor(readonly metric: string) {
    this.canvas = h('canvas', { role: 'img' });
    this.legendEl = h('div', { class: 'chart-legend' });
    this.root = h('section', { class: 'chart-card is-empty', 'data-chart': `paired-${metric}` },
      h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, `${metric}: ours vs published`)),
      h('div', { class: 'chart-plot' }, this.canvas),
      h('div', { class: 'chart-empty' }, 'No row has a number for this metric yet.'),
      this.legendEl);
    new ResizeObserver(() => {
      const w = Math.floor(this.canvas.parentElement?.clientWidth ?? 0);
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.draw();
      }
    }).observe(this.canvas.parentElement!);
  }

  update(points: ChartPoint[], theme: ChartTheme): void {
    this.points = points;
    this.theme = theme;
    this.root.classList.toggle('is-empty', !points.some((p) => p.ours !== undefined || p.published !== undefined));
    this.canvas.setAttribute('aria-label', `${this.metric}, ours vs published: ` + points.map((p) =>
      `${p.id} ${p.ours !== undefined ? `ours ${p.ours.toFixed(4)}${p.soFar ? ' so far' : ''}` : p.status}` + (p.published !== undefined ? `, published ${p.published.toFixed(4)}` : ', no published number')).join('; '));
    this.legend(theme);
    if (!this.frame) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private legend(t: ChartTheme): void {
    const item = (cls: string, colour: string, text: string): HTMLElement => {
      const s = h('span', { class: `legend-dot ${cls}` });
      s.style.setProperty('--dot', colour);
      return h('span', { class: 'legend-item' }, s, text);
    };
    this.legendEl.replaceChildren(item('ring', t.foreground, 'published'), item('disc', t.palette.blue, 'ours'),
      item('ring dashed', t.palette.purple, 'running: selected so far'), h('span', { class: 'muted' }, 'segment green: ours ≥ published, red: below'));
  }

  draw(): void {
    const t = this.theme;
    if (!t || !this.width) return;
    const dpr = window.devicePixelRatio || 1;
    const w = this.width;
    const height = TOP + this.points.length * ROW_H + AXIS_H;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, height);
    ctx.font = t.font;
    const narrow = w < 420;
    const labelW = Math.min(narrow ? 84 : 150, Math.max(...this.points.map((p) => ctx.measureText(p.id).width), 30) + 8);
    const deltaW = narrow ? 52 : 68;
    const x0 = labelW + 6;
    const x1 = w - deltaW - 6;
    const [lo, hi] = chartRange(this.points);
    const X = (v: number): number => x0 + ((v - lo) / (hi - lo)) * (x1 - x0);
    // grid and ticks
    const ticks = narrow ? 3 : 5;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    for (let i = 0; i < ticks; i++) {
      const v = lo + ((hi - lo) * i) / (ticks - 1);
      const x = X(v);
      ctx.strokeStyle = t.grid;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, TOP);
      ctx.lineTo(Math.round(x) + 0.5, TOP + this.points.length * ROW_H);
      ctx.stroke();
      ctx.fillStyle = t.muted;
      ctx.fillText(String(+v.toPrecision(3)), x, TOP + this.points.length * ROW_H + 5);
    }
    this.drawn = { ours: 0, published: 0, soFar: 0 };
    this.points.forEach((p, i) => {
      const y = TOP + i * ROW_H + ROW_H / 2;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      ctx.fillStyle = t.foreground;
      ctx.fillText(clip(ctx, p.id, labelW - 4), 0, y);
      const ours = p.ours !== undefined ? X(p.ours) : undefined;
      const pub = p.published !== undefined ? X(p.published) : undefined;
      const better = p.ours !== undefined && p.published !== undefined && p.ours >= p.published;
      if (ours !== undefined && pub !== undefined) {
        ctx.strokeStyle = better ? t.palette.green : t.palette.red;
        ctx.lineWidth = 3;
        ctx.setLineDash(p.soFar ? [3, 3] : []);
        ctx.beginPath();
        ctx.moveTo(pub, y);
        ctx.lineTo(ours, y);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (pub !== undefined) {
        ring(ctx, pub, y, 5.5, t.foreground, t.background, false);
        this.drawn.published++;
      }
      if (ours !== undefined) {
        if (p.soFar) {
          ring(ctx, ours, y, 5.5, t.palette.purple, t.background, true);
          this.drawn.soFar++;
        } else {
          ctx.fillStyle = t.palette.blue;
          ctx.beginPath();
          ctx.arc(ours, y, 5.5, 0, 2 * Math.PI);
          ctx.fill();
        }
        this.drawn.ours++;
      }
      // the right column: Δ % or why there is no dot
      ctx.textAlign = 'right';
      ctx.fillStyle = p.ours !== undefined && p.published !== undefined ? (better ? t.palette.green : t.palette.red) : t.muted;
      const note = p.ours !== undefined && p.published !== undefined && p.published !== 0
        ? `${p.ours >= p.published ? '+' : '−'}${Math.abs((100 * (p.ours - p.published)) / p.published).toFixed(1)} %`
        : p.ours === undefined ? (p.status === 'running' ? 'running' : p.status) : 'no paper';
      ctx.fillText(clip(ctx, note, deltaW), w, y);
    });
  }
}

function ring(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, colour: string, background: string, dashed: boolean): void {
  ctx.setLineDash(dashed ? [2, 2] : []);
  ctx.fillStyle = background;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  ctx.setLineDash([]);
}

function clip(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return `${s}…`;
}
