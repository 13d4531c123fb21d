/**
 * Run colours: stable per run (an index kept in view state), no limit on the number of runs, and readable on the
 * current theme (each colour is adjusted until its contrast against the editor background is at least 3:1, or 4.5:1
 * for high-contrast themes; WCAG 2.x contrast of graphical objects).
 */

export interface Rgb {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(…) and rgba(…); undefined otherwise. */
export function parseColour(text: string): Rgb | undefined {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1];
    if (h.length === 3 || h.length === 4) {
      const c = [...h].map((d) => parseInt(d + d, 16));
      return { r: c[0], g: c[1], b: c[2], a: h.length === 4 ? c[3] / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) {
      const c = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2) || 'ff', 16));
      return { r: c[0], g: c[1], b: c[2], a: h.length === 8 ? c[3] / 255 : 1 };
    }
    return undefined;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: +m[1], g: +m[2], b: +m[3], a };
  }
  return undefined;
}

export function toCss(c: Rgb, alpha = c.a): string {
  return alpha >= 1 ? `rgb(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)})` : `rgba(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)}, ${+alpha.toFixed(3)})`;
}

/** Same colour with another alpha, for any colour parseColour understands (others are returned unchanged). */
export function withAlpha(colour: string, alpha: number): string {
  const c = parseColour(colour);
  return c ? toCss(c, alpha * c.a) : colour;
}

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(c: Rgb): number {
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export function hslToRgb(h: number, s: number, l: number): Rgb {
  const hue = ((h % 360) + 360) % 360;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return { r: (r + m) * 255, g: (g + m) * 255, b: (b + m) * 255, a: 1 };
}

/** Hues of the first ten runs, ordered so that neighbours differ most (blue, orange, green, magenta, …). */
const FIRST_HUES = [212, 28, 135, 330, 270, 52, 185, 0, 95, 300];
const GOLDEN_ANGLE = 137.508;

export function hueOf(index: number): number {
  if (index < FIRST_HUES.length) return FIRST_HUES[index];
  return (FIRST_HUES[index % FIRST_HUES.length] + GOLDEN_ANGLE * Math.floor(index / FIRST_HUES.length) * 0.29 + 17 * Math.floor(index / FIRST_HUES.length)) % 360;
}

function rgbToHsl(c: Rgb): { h: number; s: number; l: number } {
  const r = c.r / 255;
  const g = c.g / 255;
  const b = c.b / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return { h: 0, s: 0, l };
  const d = max - min;
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === r ? ((g - b) / d + (g < b ? 6 : 0)) * 60 : max === g ? ((b - r) / d + 2) * 60 : ((r - g) / d + 4) * 60;
  return { h, s, l };
}

/**
 * The colour itself when it reaches `minContrast` against the background, else the same hue made lighter (dark
 * backgrounds) or darker (light ones) until it does. Theme colours such as charts.orange are not always readable.
 */
export function ensureContrast(colour: string, background: Rgb, minContrast = 3): string {
  const parsed = parseColour(colour);
  // translucent theme colours (Dark Modern's charts.orange is rgba(234, 92, 0, 0.33)) are judged, and drawn, as the
  // opaque colour they make on the background
  const c = parsed && parsed.a < 1 ? compositeOver(parsed, background) : parsed;
  if (c && parsed && parsed.a < 1) colour = toCss(c);
  if (!c || contrastRatio(c, background) >= minContrast) return colour;
  const { h, s, l } = rgbToHsl(c);
  const lighter = relativeLuminance(background) < 0.4;
  let lightness = l;
  let rgb = c;
  for (let i = 0; i < 50 && contrastRatio(rgb, background) < minContrast; i++) {
    lightness = Math.min(1, Math.max(0, lightness + (lighter ? 0.02 : -0.02)));
    rgb = hslToRgb(h, s, lightness);
  }
  return toCss(rgb);
}

/** The opaque colour a translucent one shows over a background. */
export function compositeOver(c: Rgb, background: Rgb): Rgb {
  const a = c.a;
  return { r: c.r * a + background.r * (1 - a), g: c.g * a + background.g * (1 - a), b: c.b * a + background.b * (1 - a), a: 1 };
}

export interface ThemeBackground {
  background: Rgb;
  highContrast: boolean;
}

/** The colour of the run at `index`: hue from the sequence, lightness moved until it reads on the background. */
export function runColour(index: number, theme: ThemeBackground): string {
  const dark = relativeLuminance(theme.background) < 0.4;
  const minContrast = theme.highContrast ? 4.5 : 3;
  const round = Math.floor(index / FIRST_HUES.length);
  const saturation = round % 2 === 0 ? 0.72 : 0.55;
  let l = dark ? 0.62 + (round % 3) * 0.06 : 0.42 - (round % 3) * 0.06;
  const step = dark ? 0.02 : -0.02;
  let rgb = hslToRgb(hueOf(index), saturation, l);
  for (let i = 0; i < 40 && contrastRatio(rgb, theme.background) < minContrast; i++) {
    l = Math.min(0.97, Math.max(0.03, l + step));
    rgb = hslToRgb(hueOf(index), saturation, l);
  }
  return toCss(rgb);
}

/**
 * Stable colour slots: a run keeps its slot while it stays selected; a new run takes the lowest free slot. The slot map
 * is plain data so it can live in the webview state.
 */
export class ColourSlots {
  private slots: Map<string, number>;

  constructor(saved?: Record<string, number>) {
    this.slots = new Map(Object.entries(saved ?? {}));
  }

  slotOf(runId: string): number {
    let s = this.slots.get(runId);
    if (s === undefined) {
      const used = new Set(this.slots.values());
      s = 0;
      while (used.has(s)) s++;
      this.slots.set(runId, s);
    }
    return s;
  }

  /** Frees the slots of runs no longer shown. */
  retain(runIds: Iterable<string>): void {
    const keep = new Set(runIds);
    for (const id of [...this.slots.keys()]) if (!keep.has(id)) this.slots.delete(id);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.slots);
  }
}
