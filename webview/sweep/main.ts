/**
 * Sweep webview: parallel coordinates (the parameters that vary, brushing, the metric last), the metric against a
 * parameter, the parameters' importance, the trials (filtered by the brushes) and the sweep's decisions. Live: the host
 * sends the whole view whenever the sweep record or a member run changes (src/protocol/sweep-view.ts).
 */
import '../../media/webview/common.css';
import '../shared/elements';
import { clear, h } from '../shared/dom';
import { csvField, fileSlug } from '../shared/export';
import { formatDuration } from '../shared/run-table';
import { readTheme, watchTheme, type ChartTheme } from '../shared/theme';
import { loadState, onHostMessage, post, saveState } from '../shared/vscode-api';
import { formatScore, SUMMARY_KINDS, type SummaryKind } from '../../src/runs/summary';
import type { SweepViewData, SweepViewTrial } from '../../src/protocol/sweep-view';
import { ParallelChart, ScatterChart, classStyle } from './charts';
import { buildModel, CLASS_LABELS, TRIAL_CLASSES, METRIC_AXIS, paramAxis, varyingParameters, type Brushes, type SweepModel } from './model';

interface SweepUi {
  kind: SummaryKind;
  /** show every parameter of the space, not only those that vary */
  allParams: boolean;
  brushes: Brushes;
  /** the scatter's x parameter */
  scatterParam?: string;
}

const saved = loadState<SweepUi>();
const ui: SweepUi = { kind: 'best', allParams: false, brushes: {}, ...(saved?.ui ?? {}) };
let sweepId = saved?.sweepId;
let data: SweepViewData | undefined;
let model: SweepModel | undefined;
let theme: ChartTheme = readTheme();

const persist = () => saveState({ view: 'sweep', runIds: [], sweepId, ui });
const KIND_LABELS: Record<SummaryKind, string> = { best: 'at selected epoch', last: 'last', min: 'min', max: 'max' };

// ---- layout
const titleEl = h('h1', {}, 'Sweep');
const statusEl = h('vscode-badge', { class: 'status' }, '…');
const factsEl = h('div', { class: 'sweep-facts muted' });
const reasonEl = h('div', { class: 'run-note' });
const kindSelect = h('vscode-single-select', { class: 'kind-select', 'aria-label': 'Summary of each trial' }) as HTMLElement & { value: string };
for (const k of SUMMARY_KINDS) kindSelect.append(h('vscode-option', { value: k, selected: k === ui.kind }, KIND_LABELS[k]));
const allParams = h('vscode-checkbox', { label: 'All parameters', checked: ui.allParams, class: 'all-params', title: 'Show every parameter of the search space, not only those that vary' }) as HTMLElement & { checked: boolean };
const clearBrushes = h('vscode-button', { icon: 'clear-all', secondary: true, class: 'clear-brushes', title: 'Remove every axis filter' }, 'Clear filters');
const exportCsv = h('vscode-button', { icon: 'export', secondary: true, class: 'export-trials' }, 'Export CSV');
const captionEl = h('div', { class: 'table-caption muted sweep-caption' });
const parallel = new ParallelChart(() => ui.brushes, (key, range) => {
  if (range) ui.brushes[key] = range;
  else delete ui.brushes[key];
  persist();
  render();
});
parallel.root.classList.add('wide');
const scatter = new ScatterChart('Metric vs parameter');
const paramSelect = h('vscode-single-select', { class: 'param-select', 'aria-label': 'Parameter on the x axis' }) as HTMLElement & { value: string };
scatter.toolbarEl.append(paramSelect);
const importanceEl = h('div', { class: 'importance-list' });
const importanceCard = h('section', { class: 'chart-card is-empty', 'data-chart': 'importance' },
  h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, 'Parameter importance')),
  h('div', { class: 'chart-plot' }, importanceEl),
  h('div', { class: 'chart-empty' }, 'Needs three trials with a value and a parameter that varies.'),
  h('div', { class: 'chart-legend muted importance-note' }, 'Marginal: Spearman ρ² for numbers (↑ higher is better, ↓ lower), η² for choices; interactions are not credited.'));
const tableEl = h('div', { class: 'trials-table' });
const decisionsEl = h('div', { class: 'decisions' });
const decisions = h('vscode-collapsible', { title: 'Decisions', class: 'decisions-section' }, decisionsEl);
const app = document.getElementById('app') ?? document.body;
app.append(
  h('header', { class: 'compare-header sweep-header' },
    h('div', { class: 'run-title' }, titleEl, statusEl), factsEl, reasonEl,
    h('div', { class: 'compare-toolbar' }, h('label', {}, 'Value ', kindSelect), allParams, clearBrushes, exportCsv)),
  captionEl,
  h('main', { class: 'chart-grid sweep-grid' }, parallel.root, scatter.root, importanceCard),
  h('section', { class: 'table-section' }, h('h2', {}, 'Trials'), tableEl),
  decisions,
);

kindSelect.addEventListener('change', () => {
  ui.kind = kindSelect.value as SummaryKind;
  // a brush on the metric axis meant values of the old summary
  delete ui.brushes[METRIC_AXIS];
  persist();
  render();
});
allParams.addEventListener('change', () => {
  ui.allParams = allParams.checked;
  persist();
  render();
});
paramSelect.addEventListener('change', () => {
  ui.scatterParam = paramSelect.value;
  persist();
  render();
});
clearBrushes.addEventListener('click', () => {
  ui.brushes = {};
  persist();
  render();
});
exportCsv.addEventListener('click', () => {
  if (!data || !model) return;
  post({ type: 'export', format: 'csv', suggestedName: `sweep-${fileSlug(data.name)}.csv`, content: trialsCsv(data, model) });
});

// ---- rendering
const shownParams = (d: SweepViewData): string[] => (ui.allParams ? Object.keys(d.space) : varyingParameters(d));

function render(): void {
  if (!data) return;
  const d = data;
  const params = shownParams(d);
  model = buildModel(d, { params, kind: ui.kind, brushes: ui.brushes });
  renderHeader(d);
  parallel.update({ trials: d.trials, model, theme });
  const choices = params.length ? params : Object.keys(d.space);
  const xParam = ui.scatterParam && choices.includes(ui.scatterParam) ? ui.scatterParam : model.importance[0]?.path ?? choices[0];
  fillParamSelect(choices, xParam);
  scatter.setAxis(xParam ? paramAxis(xParam, d.space[xParam], d.trials.map((t) => t.point[xParam]).filter((v) => v !== undefined)) : undefined);
  scatter.update({ trials: d.trials, model, theme });
  renderImportance(model);
  renderTable(d, model, params);
  renderDecisions(d);
}

function renderHeader(d: SweepViewData): void {
  titleEl.textContent = d.name;
  statusEl.textContent = d.status;
  statusEl.className = `status status-${d.status}`;
  const counts = new Map<string, number>();
  for (const c of model!.classes.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
  const trials = `${d.trials.length} trial${d.trials.length === 1 ? '' : 's'}${d.budget.runs ? ` of ${d.budget.runs}` : ''}`;
  const byClass = [...counts].map(([c, n]) => `${n} ${CLASS_LABELS[c as keyof typeof CLASS_LABELS]}`).join(', ');
  const scheduler = d.scheduler.kind === 'asha' ? `ASHA (min ${d.scheduler.minEpochs} epoch${d.scheduler.minEpochs === 1 ? '' : 's'}, η = ${d.scheduler.eta})` : 'no early stopping';
  factsEl.textContent = `${d.strategy} search · ${scheduler} · ${d.executor} · ${trials}${byClass ? ` (${byClass})` : ''} · ${formatDuration(d.activeSeconds)} active`;
  reasonEl.textContent = d.reason ?? '';
  const best = model!.bestIndex !== undefined ? d.trials.find((t) => t.index === model!.bestIndex) : undefined;
  const filtered = Object.keys(ui.brushes).length ? ` · ${model!.selected.size} of ${d.trials.length} trials pass the filters` : '';
  captionEl.textContent = `${d.metric} on each run's selection split, ${KIND_LABELS[ui.kind]}` +
    (best ? ` · best: trial ${best.index} (${formatScore(model!.values.get(best.index))})` : '') + filtered +
    (ui.kind === 'best' ? '' : ' · last/min/max are statistics over the evaluations, not a selection');
}

function fillParamSelect(choices: string[], value: string | undefined): void {
  const sig = choices.join('|') + '#' + value;
  if (paramSelect.dataset.sig === sig) return;
  paramSelect.dataset.sig = sig;
  clear(paramSelect);
  for (const p of choices) paramSelect.append(h('vscode-option', { value: p, selected: p === value }, p.split('.').pop() ?? p));
  if (value) paramSelect.value = value;
}

function renderImportance(m: SweepModel): void {
  importanceCard.classList.toggle('is-empty', m.importance.length === 0);
  clear(importanceEl);
  const bar = theme.palette.blue;
  for (const imp of m.importance) {
    const fill = h('span', { class: 'importance-fill' });
    fill.style.width = `${(imp.score * 100).toFixed(1)}%`;
    fill.style.background = bar;
    const dir = imp.direction > 0 ? ' ↑' : imp.direction < 0 ? ' ↓' : '';
    importanceEl.append(h('div', { class: 'importance-row', 'data-param': imp.path, title: `${imp.path}: ${imp.kind} = ${imp.score.toFixed(3)} over ${imp.trials} trials` },
      h('span', { class: 'importance-name' }, imp.path.split('.').pop() ?? imp.path),
      h('span', { class: 'importance-track' }, fill),
      h('span', { class: 'importance-score' }, `${imp.score.toFixed(2)}${dir}`)));
  }
}

const formatParam = (v: unknown): string => (v === undefined ? '–' : typeof v === 'number' ? String(+v.toPrecision(4)) : typeof v === 'string' ? v : JSON.stringify(v));

function renderTable(d: SweepViewData, m: SweepModel, params: string[]): void {
  clear(tableEl);
  const rows = d.trials.filter((t) => m.selected.has(t.index)).sort((a, b) => (m.values.get(b.index) ?? -Infinity) - (m.values.get(a.index) ?? -Infinity) || a.index - b.index);
  const widths = ['48px', '150px', ...params.map(() => '96px'), '100px', '64px', 'auto'];
  const table = h('vscode-table', { zebra: true, 'bordered-rows': true, resizable: true, columns: JSON.stringify(widths) });
  table.style.minWidth = `${48 + 150 + params.length * 96 + 100 + 64 + 200}px`;
  const header = h('vscode-table-header', { slot: 'header' },
    h('vscode-table-header-cell', {}, '#'), h('vscode-table-header-cell', {}, 'Status'),
    ...params.map((p) => h('vscode-table-header-cell', { title: p }, p.split('.').pop() ?? p)),
    h('vscode-table-header-cell', { title: `${d.metric}, ${KIND_LABELS[ui.kind]}, selection split` }, d.metric),
    h('vscode-table-header-cell', {}, 'Epoch'), h('vscode-table-header-cell', {}, 'Reason'));
  const body = h('vscode-table-body', { slot: 'body' });
  for (const t of rows) {
    const cls = m.classes.get(t.index)!;
    const swatch = h('span', { class: classStyle(cls, theme).dash.length ? 'swatch dashed' : 'swatch' });
    swatch.style.setProperty('--swatch', classStyle(cls, theme).colour);
    const index = t.runId ? h('a', { href: '#', class: 'run-link', title: 'Open this trial’s dashboard' }, String(t.index)) : h('span', {}, String(t.index));
    if (t.runId) {
      const runId = t.runId;
      index.addEventListener('click', (e) => {
        e.preventDefault();
        post({ type: 'openDashboard', runId });
      });
    }
    body.append(h('vscode-table-row', { 'data-trial': t.index, 'data-class': cls },
      h('vscode-table-cell', { class: 'num' }, index),
      h('vscode-table-cell', {}, h('span', { class: 'trial-status' }, swatch, CLASS_LABELS[cls] === t.status ? t.status : `${CLASS_LABELS[cls]}`)),
      ...params.map((p) => h('vscode-table-cell', { class: 'num param' }, formatParam(t.point[p]))),
      h('vscode-table-cell', { class: 'num', 'data-col': 'value' }, formatScore(m.values.get(t.index))),
      h('vscode-table-cell', { class: 'num' }, epochOf(t)),
      h('vscode-table-cell', { class: 'muted reason', title: t.reason ?? '' }, t.reason ?? (t.progress && t.status === 'running' ? `epoch ${t.progress.epoch}/${t.progress.epochs}` : ''))));
  }
  table.append(header, body);
  tableEl.append(h('div', { class: 'table-scroll' }, table));
}

function epochOf(t: SweepViewTrial): string {
  const r = t.result;
  if (!r) return '–';
  if (ui.kind === 'best') return r.selection?.epoch !== undefined ? String(r.selection.epoch) : r.bestEpoch !== undefined ? String(r.bestEpoch) : '–';
  const st = r.stats?.[r.selectSplit]?.[data!.metric];
  if (!st) return '–';
  return String(ui.kind === 'last' ? st.lastEpoch : ui.kind === 'min' ? st.minEpoch : st.maxEpoch);
}

function renderDecisions(d: SweepViewData): void {
  decisions.setAttribute('title', `Decisions (${d.decisions.length}${d.decisions.length >= 200 ? ', newest' : ''})`);
  clear(decisionsEl);
  for (const x of [...d.decisions].reverse()) {
    const time = new Date(x.t).toLocaleTimeString();
    decisionsEl.append(h('div', { class: `decision decision-${x.kind}${x.action ? ` ${x.action}` : ''}` }, h('span', { class: 'muted' }, `${time} · `), x.message));
  }
}

function trialsCsv(d: SweepViewData, m: SweepModel): string {
  const params = Object.keys(d.space);
  const head = ['trial', 'run_id', 'status', 'class', ...params, `${d.metric}_${ui.kind}`, 'reason'];
  const lines = [head.map(csvField).join(',')];
  for (const t of d.trials) {
    lines.push([t.index, t.runId ?? '', t.status, m.classes.get(t.index)!, ...params.map((p) => (t.point[p] === undefined ? '' : typeof t.point[p] === 'number' ? (t.point[p] as number) : formatParam(t.point[p]))), m.values.get(t.index) ?? '', t.reason ?? ''].map((v) => csvField(v as string | number)).join(','));
  }
  return lines.join('\n') + '\n';
}

onHostMessage((m) => {
  if (m.type === 'error') {
    titleEl.textContent = m.message;
    return;
  }
  if (m.type !== 'sweep') return;
  data = m.data;
  if (sweepId !== data.id) {
    sweepId = data.id;
    persist();
  }
  render();
});

watchTheme((t) => {
  theme = t;
  render();
});

(window as unknown as { reclabDebug: unknown }).reclabDebug = {
  data: () => data,
  model: () => model,
  ui: () => ui,
  parallel,
  scatter,
  /** the colour each trial class is drawn in, on the current theme */
  styles: () => Object.fromEntries(TRIAL_CLASSES.map((c) => [c, classStyle(c, theme).colour])),
};

post({ type: 'ready', view: 'sweep' });
