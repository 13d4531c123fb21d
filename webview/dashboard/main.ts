/** Dashboard webview: one run, live. */
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../shared/elements';
import type { RunHeader } from '../../src/protocol/webview';
import { BarChart } from '../shared/bar-chart';
import { clear, h } from '../shared/dom';
import { LineChart, defaultChartState, type ChartViewState } from '../shared/line-chart';
import { endedEarly, formatDuration, formatProgress, smoothedEta } from '../../src/runs/progress';
import { formatHeadline, headline } from '../../src/runs/summary';
import { backboneOf } from '../shared/backbone';
import { readTheme, watchTheme, type ChartTheme } from '../shared/theme';
import { frameScheduler, ViewModel } from '../shared/view-model';
import { loadState, onHostMessage, post, saveState } from '../shared/vscode-api';
import { dashboardCharts } from './charts';

interface DashboardUi {
  charts: Record<string, ChartViewState>;
  /** metric of the evaluation chart */
  metric?: string;
}

const saved = loadState<DashboardUi>();
const ui: DashboardUi = { charts: { ...(saved?.ui?.charts ?? {}) }, metric: saved?.ui?.metric };
const model = new ViewModel('dashboard');
let theme: ChartTheme = readTheme();
let runId = saved?.runIds[0] ?? '';

const headerEl = h('header', { class: 'run-header' });
const problemsEl = h('div', { class: 'problems' });
const gridEl = h('main', { class: 'chart-grid' });
const app = document.getElementById('app') ?? document.body;
app.append(headerEl, problemsEl, gridEl);

const persist = () => saveState({ view: 'dashboard', runIds: runId ? [runId] : [], ui });
const exportData = (format: 'csv' | 'json', suggestedName: string, content: string) => {
  const name = model.run(runId)?.name ?? runId;
  post({ type: 'export', format, suggestedName: `${name}-${suggestedName}`, content });
};
const chartHost = {
  store: model.store,
  theme: () => theme,
  syncKey: 'reclab-dashboard',
  saveState: (id: string, s: ChartViewState) => {
    ui.charts[id] = s;
    persist();
  },
  exportData,
};
const choices = { metric: ui.metric };
const charts = dashboardCharts(model, () => runId, () => theme, choices, () => {
  ui.metric = choices.metric;
  persist();
  renderHeader(model.run(runId));
}).map((spec) => new LineChart(spec, ui.charts[spec.id] ?? defaultChartState(spec.defaultX), chartHost));
const histogram = new BarChart('tau-histogram', 'Per-user τ, latest epoch', () => theme.palette.purple, { theme: () => theme, exportData }, 'No per-user temperature histogram recorded.');
// temperature histogram sits right after the temperature chart
for (const c of charts) {
  gridEl.append(c.root);
  if (c.spec.id === 'temperature') gridEl.append(histogram.root);
}

let drawnStructure = -1;
const draw = frameScheduler(() => {
  if (drawnStructure !== model.structureVersion) {
    drawnStructure = model.structureVersion;
    renderHeader(model.run(runId));
    renderExtras();
  }
  for (const c of charts) c.render();
});

function renderHeader(run: RunHeader | undefined): void {
  clear(headerEl);
  if (!run) {
    headerEl.append(h('h1', {}, model.hasSnapshot ? 'Run not found' : 'Loading run…'));
    return;
  }
  document.title = `RecLab: ${run.name}`;
  const live = run.status === 'running' || run.status === 'queued';
  const stop = live ? h('vscode-button', { icon: 'debug-stop', secondary: true, class: 'stop-run', title: 'Stop this run' }, 'Stop') : null;
  stop?.addEventListener('click', () => {
    post({ type: 'stopRun', runId: run.id });
    stop.setAttribute('disabled', '');
    stop.textContent = 'Stopping…';
  });
  const p = run.progress;
  const early = endedEarly(run.status, run.reason, p);
  const progressLine = live ? formatProgress(p, smoothedEta(p, run, run.heartbeatAt ? Date.parse(run.heartbeatAt) : Date.now())) : early ? `${early} — epoch ${p!.epoch} of ${p!.epochs}` : p ? `epoch ${p.epoch}/${p.epochs}` : '';
  const progress = p && p.epochs > 0 ? h('div', { class: `progress${early ? ' early' : ''}` }, progressBar(early ? 1 : p.epoch / p.epochs), h('span', { class: 'progress-text' }, progressLine)) : null;
  // the run's result, in the same words as the tree, CodeLens, notifications and the compare table
  const result = formatHeadline(headline(run.result, ui.metric ?? run.selectMetric ?? 'ndcg@20'));
  const facts: [string, string | undefined][] = [
    ['backbone', backboneOf(model.configs[run.id])?.label],
    ['dataset', run.datasetStats ? `${run.datasetStats.name} (${run.datasetStats.users.toLocaleString()} users, ${run.datasetStats.items.toLocaleString()} items)` : run.dataset],
    ['backend', run.backend],
    [live ? 'best so far' : 'result', result || undefined],
    ['selected on', run.result?.selectSplit ? `${run.result.selectSplit} by ${run.result.selectMetric}` : undefined],
    ['wall time', run.wallSeconds !== undefined ? formatDuration(run.wallSeconds) : undefined],
  ];
  const parts: (HTMLElement | null)[] = [
    h(
      'div',
      { class: 'run-title' },
      h('h1', {}, run.name),
      h('vscode-badge', { class: `status status-${run.status}`, title: run.reason ?? run.status }, run.status),
      stop,
    ),
    run.summary ? h('div', { class: 'run-summary' }, run.summary) : null,
    h('dl', { class: 'run-facts' }, ...facts.filter(([, v]) => v).map(([k, v]) => h('div', { class: `fact fact-${k.replace(/\s+/g, '-')}` }, h('dt', {}, k), h('dd', {}, v!)))),
    progress,
    // a failure is an error; a stop the user asked for is not
    run.reason && run.status === 'failed' ? h('div', { class: 'run-reason' }, run.reason) : null,
    run.reason && run.status === 'stopped' ? h('div', { class: 'run-note' }, run.reason) : null,
  ];
  headerEl.append(...parts.filter((x): x is HTMLElement => x !== null));
}

function progressBar(fraction: number): HTMLElement {
  const outer = h('div', { class: 'progress-track', role: 'progressbar', 'aria-valuenow': Math.round(fraction * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 });
  const inner = h('div', { class: 'progress-fill' });
  inner.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  outer.append(inner);
  return outer;
}

function renderExtras(): void {
  const ex = model.extras.get(runId);
  const hist = ex?.tauHistogram;
  histogram.set(hist ? { edges: hist.histogram.edges, counts: hist.histogram.counts, caption: `epoch ${hist.epoch}: users per τ bin` } : undefined);
  clear(problemsEl);
  for (const p of ex?.problems ?? []) problemsEl.append(h('div', { class: `problem ${p.level}` }, h('vscode-icon', { name: p.level === 'error' ? 'error' : 'warning' }), ` ${p.message}`));
}

onHostMessage((m) => {
  if (m.type === 'error') {
    clear(headerEl);
    headerEl.append(h('h1', {}, 'RecLab'), h('p', { class: 'run-reason' }, m.message));
    gridEl.hidden = true;
    return;
  }
  const r = model.apply(m);
  if (r === 'resync') {
    post({ type: 'ready', view: 'dashboard' });
    return;
  }
  if (m.type === 'snapshot') {
    runId = m.runs[0]?.id ?? runId;
    persist();
    for (const c of charts) c.invalidate(true);
  }
  draw();
});

watchTheme((t) => {
  theme = t;
  for (const c of charts) c.invalidate(true);
  histogram.rebuild();
  draw();
});

// test and debugging hook: read-only views of what is drawn
(window as unknown as { reclabDebug: unknown }).reclabDebug = {
  model,
  charts: Object.fromEntries(charts.map((c) => [c.spec.id, c])),
  histogram,
};

post({ type: 'ready', view: 'dashboard' });
