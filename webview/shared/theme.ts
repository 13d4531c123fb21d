/**
 * Theme bridge: canvas charts need resolved colours, so the --vscode-* variables are read with getComputedStyle and
 * re-read whenever VS Code switches theme (it changes the body's class and data-vscode-theme-kind).
 */
import { ensureContrast, parseColour, withAlpha, type Rgb } from './colours';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface ChartTheme {
  kind: ThemeKind;
  background: string;
  backgroundRgb: Rgb;
  foreground: string;
  muted: string;
  grid: string;
  border: string;
  focus: string;
  font: string;
  /** VS Code's chart colours (charts.blue, …), for the series of a single run */
  palette: { blue: string; orange: string; green: string; purple: string; red: string; yellow: string };
}

function themeKind(body: HTMLElement): ThemeKind {
  const attr = body.dataset.vscodeThemeKind;
  if (attr === 'vscode-high-contrast-light' || body.classList.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (attr === 'vscode-high-contrast' || body.classList.contains('vscode-high-contrast')) return 'high-contrast';
  if (attr === 'vscode-light' || body.classList.contains('vscode-light')) return 'light';
  return 'dark';
}

export function readTheme(): ChartTheme {
  const body = document.body;
  const style = getComputedStyle(body);
  const kind = themeKind(body);
  const dark = kind === 'dark' || kind === 'high-contrast';
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const hc = kind.startsWith('high-contrast');
  const foreground = v('--vscode-editor-foreground', v('--vscode-foreground', dark ? '#cccccc' : '#333333'));
  const background = v('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  const bg = parseColour(background) ?? (dark ? { r: 30, g: 30, b: 30, a: 1 } : { r: 255, g: 255, b: 255, a: 1 });
  // series colours must read on the editor background (3:1, 4.5:1 in high contrast), whatever the theme defines
  const chart = (name: string, fallback: string) => ensureContrast(v(name, fallback), bg, hc ? 4.5 : 3);
  return {
    kind,
    background,
    backgroundRgb: bg,
    foreground,
    muted: v('--vscode-descriptionForeground', foreground),
    // high contrast: visible but quieter than the data (the contrast border colour at full strength drowns the lines)
    grid: hc ? withAlpha(foreground, 0.28) : dark ? 'rgba(255, 255, 255, 0.09)' : 'rgba(0, 0, 0, 0.08)',
    border: v('--vscode-panel-border', v('--vscode-contrastBorder', dark ? '#444444' : '#dddddd')),
    focus: v('--vscode-focusBorder', '#007fd4'),
    font: `${v('--vscode-font-size', '13px')} ${v('--vscode-font-family', 'sans-serif')}`,
    palette: {
      blue: chart('--vscode-charts-blue', dark ? '#3794ff' : '#1a85ff'),
      orange: chart('--vscode-charts-orange', dark ? '#d18616' : '#d18616'),
      green: chart('--vscode-charts-green', dark ? '#89d185' : '#388a34'),
      purple: chart('--vscode-charts-purple', dark ? '#b180d7' : '#652d90'),
      red: chart('--vscode-charts-red', dark ? '#f14c4c' : '#e51400'),
      yellow: chart('--vscode-charts-yellow', dark ? '#cca700' : '#bf8803'),
    },
  };
}

/** Calls `onChange` with the new theme after every theme switch; returns a disposer. */
export function watchTheme(onChange: (theme: ChartTheme) => void): () => void {
  let last = themeSignature();
  const observer = new MutationObserver(() => {
    const sig = themeSignature();
    if (sig === last) return;
    last = sig;
    onChange(readTheme());
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind', 'data-vscode-theme-name', 'style'] });
  // VS Code sets the variables on <html style>; watch it as well
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}

function themeSignature(): string {
  const s = getComputedStyle(document.body);
  return `${document.body.className}|${s.getPropertyValue('--vscode-editor-background')}|${s.getPropertyValue('--vscode-editor-foreground')}`;
}
