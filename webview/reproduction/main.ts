/**
 * Reproduction webview: a paper table reproduced by `reclab reproduce`, filling in live as rows run — per row ours vs
 * published with Δ (absolute and relative), status (pending, queued with its job, running with its epoch and the
 * selection so far, finished, failed with the error), protocol, epochs, wall time, the beyond-accuracy metrics, the
 * environment, and one ours-vs-published chart per metric. The host sends the whole view whenever the results file or
 * a running row's run folder changes (src/protocol/reproduction-view.ts).
 */
import '../../media/webview/common.css';
import '../shared/elements';
import { clear, h } from '../shared/dom';
import { readTheme, watchTheme, type ChartTheme } from '../shared/theme';
import { loadState, onHostMessage, post, saveState } from '../shared/vscode-api';
import type { ReproductionViewData } from '../../src/protocol/reproduction-view';
import { environmentLine } from '../../src/suites/report';
import { PairedDotChart } from './chart';
import { buildView, chartPoints, formatDelta, formatNumber, type RowModel, type ViewModel } from './model';

const saved = loadState<Record<string, never>>();
let resultsFile = saved?.resultsFile;
let data: ReproductionViewData | undefined;
let view: ViewModel | undefined;
let theme: ChartTheme = readTheme();
const charts = new Map<string, PairedDotChart>();

// ---- layout
const titleEl = h('h1', {}, 'Reproduction');
const statusEl = h('vscode-badge', { class: 'status' }, '…');
const factsEl = h('div', { class: 'sweep-facts muted repro-facts' });
const fileEl = h('div', { class: 'muted repro-file' });
const envEl = h('dl', { class: 'run-facts repro-env', 'aria-label': 'Environment' });
const chartsEl = h('main', { class: 'chart-grid repro-charts' });
const captionEl = h('div', { class: 'table-caption muted' });
const tableEl = h('div', { class: 'table-scroll repro-table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Rows: ours vs published' });
const notesEl = h('div', { class: 'repro-notes' });
const beyondTableEl = h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Beyond accuracy: ours' });
const beyondEl = h('section', { class: 'table-section beyond-section' }, h('h2', {}, 'Beyond accuracy'),
  h('div', { class: 'table-caption muted' }, 'Ours, on test at the same epoch (docs/evaluation.md): item coverage, Gini of the recommended items, average recommendation popularity, long-tail share.'), beyondTableEl);
const app = document.getElementById('app') ?? document.body;
app.append(
  h('header', { class: 'compare-header repro-header' }, h('div', { class: 'run-title' }, titleEl, statusEl), factsEl, fileEl,
    h('section', { class: 'repro-env-section' }, h('h2', { class: 'visually-hidden' }, 'Environment'), envEl)),
  chartsEl,
  h('section', { class: 'table-section' }, h('h2', {}, 'Rows'), captionEl, tableEl),
  beyondEl,
  notesEl,
);

const STATUS_TEXT: Record<string, string> = { pending: 'pending', queued: 'queued', running: 'running', finished: 'finished', stopped: 'stopped', failed: 'failed', recorded: 'recorded' };

function render(): void {
  if (!data) return;
  const d = data;
  const v = (view = buildView(d));
  titleEl.textContent = d.results.title;
  statusEl.textContent = v.state;
  statusEl.className = `status status-${v.state}`;
  const counts = Object.entries(v.counts).map(([s, n]) => `${n} ${STATUS_TEXT[s] ?? s}`).join(', ');
  factsEl.textContent = `suite ${d.results.suite} · ${d.results.rows.length} row${d.results.rows.length === 1 ? '' : 's'} (${counts}) · updated ${new Date(d.results.generatedAt).toLocaleString()}`;
  fileEl.textContent = d.file;
  renderEnvironment(d);
  renderCharts(v);
  captionEl.textContent = `Ours: test metrics at the run's selected epoch (a running row shows the selection so far, in italics). Δ = ours − published (relative in brackets). ` +
    (v.protocols.length ? `Protocols: ${v.protocols.join('; ')}.` : '');
  renderTable(v);
  clear(notesEl);
  const recorded = v.rows.filter((r) => r.recordedFrom);
  if (recorded.length) notesEl.append(h('p', { class: 'run-note' }, '¹ recorded before `reclab reproduce` existed:'),
    h('ul', { class: 'run-note recorded-list' }, ...recorded.map((r) => h('li', {}, h('strong', {}, r.id), `: ${r.recordedFrom}`))));
  if (d.results.note) notesEl.append(h('p', { class: 'run-note' }, d.results.note));
}

function renderEnvironment(d: ReproductionViewData): void {
  clear(envEl);
  const env = d.results.environment;
  if (!env) {
    envEl.append(h('div', { class: 'fact' }, h('dt', {}, 'environment'), h('dd', {}, 'not recorded')));
    return;
  }
  const facts: [string, string][] = [
    ['RecLab', env.reclab], ['Node', env.node], ['backend', env.backend], ['threads', String(env.threads)], ...(env.cores !== undefined ? [['cores', String(env.cores)] as [string, string]] : []),
    ...(env.kernels ? [['kernels', env.kernels] as [string, string]] : []), ['CPU', env.cpu], ['OS', env.os],
    ...(env.loadAverage !== undefined ? [['load', env.loadAverage.toFixed(2)] as [string, string]] : []),
  ];
  for (const [k, val] of facts) envEl.append(h('div', { class: 'fact', 'data-env': k }, h('dt', {}, k), h('dd', {}, val)));
  envEl.title = environmentLine(env);
}

function renderCharts(v: ViewModel): void {
  for (const m of v.metrics) {
    let c = charts.get(m);
    if (!c) {
      c = new PairedDotChart(m);
      charts.set(m, c);
      chartsEl.append(c.root);
    }
    c.update(chartPoints(v, m), theme);
  }
  for (const [m, c] of charts) {
    if (v.metrics.includes(m)) continue;
    c.root.remove();
    charts.delete(m);
  }
}

function cell(label: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  return h('td', { 'data-label': label, ...attrs }, ...children);
}

function renderTable(v: ViewModel): void {
  clear(tableEl);
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Row'), h('th', { scope: 'col' }, 'Status'),
    ...v.metrics.flatMap((m) => [h('th', { scope: 'col', class: 'num' }, `${m} ours`), h('th', { scope: 'col', class: 'num' }, `${m} published`), h('th', { scope: 'col', class: 'num' }, `Δ ${m}`)]),
    h('th', { scope: 'col' }, 'Protocol'), h('th', { scope: 'col', class: 'num' }, 'Best epoch'), h('th', { scope: 'col', class: 'num' }, 'Wall'),
    h('th', { scope: 'col' }, 'Source'));
  const body = h('tbody', {});
  for (const r of v.rows) body.append(rowElement(r, v));
  tableEl.append(h('table', { class: 'repro-table rows-table' }, h('thead', {}, head), body));
  // the reviewers' metrics, as in the markdown: a table of their own (ours only: papers rarely give them)
  beyondEl.hidden = !v.beyondKeys.length;
  clear(beyondTableEl);
  if (!v.beyondKeys.length) return;
  const bbody = h('tbody', {});
  for (const r of v.rows) {
    bbody.append(h('tr', { 'data-row': r.id }, cell('Row', { class: 'row-name' }, h('strong', {}, r.id)),
      ...v.beyondKeys.map((k) => cell(k, { class: 'num', 'data-col': k }, formatNumber(r.beyond[k])))));
  }
  beyondTableEl.append(h('table', { class: 'repro-table beyond-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Row'), ...v.beyondKeys.map((k) => h('th', { scope: 'col', class: 'num' }, k)))), bbody));
}

function rowElement(r: RowModel, v: ViewModel): HTMLElement {
  const name = h('div', { class: 'row-name' }, h('strong', {}, r.id));
  const meta = h('div', { class: 'muted' }, `${r.method} · ${r.backbone} · ${r.dataset}`);
  const first = cell('Row', { class: 'row-head' }, name, meta);
  if (r.runDir) {
    const runId = r.runDir.split(/[\\/]/).filter(Boolean).pop() ?? r.runDir;
    const open = h('button', { class: 'link-button open-run', type: 'button', title: `Open the dashboard of ${runId}` }, 'open run');
    open.addEventListener('click', () => post({ type: 'openDashboard', runId }));
    first.append(open);
  }
  const status = cell('Status', { class: `status-cell` },
    h('span', { class: `row-status row-status-${r.status}` }, STATUS_TEXT[r.status] ?? r.status),
    r.detail ? h('div', { class: 'muted status-detail' }, r.detail) : '',
    r.error ? h('div', { class: 'run-reason row-error' }, r.error) : '');
  const metricCells = v.metrics.flatMap((m) => {
    const c = r.metrics[m];
    const dcls = c.delta === undefined ? '' : c.delta >= 0 ? 'better' : 'worse';
    return [
      cell(`${m} ours`, { class: `num${c.soFar ? ' so-far' : ''}`, 'data-metric': m, 'data-col': 'ours', ...(c.soFar ? { title: 'selected so far (the run is still training)' } : {}) }, c.ours === undefined ? (r.status === 'running' ? '…' : '—') : `${formatNumber(c.ours)}${c.soFar ? ' so far' : ''}`),
      cell(`${m} published`, { class: 'num', 'data-metric': m, 'data-col': 'published' }, formatNumber(c.published)),
      cell(`Δ ${m}`, { class: `num delta ${dcls}${c.soFar ? ' so-far' : ''}`, 'data-metric': m, 'data-col': 'delta' }, formatDelta(c)),
    ];
  });
  return h('tr', { 'data-row': r.id, 'data-status': r.status }, first, status, ...metricCells,
    cell('Protocol', { class: 'protocol' }, r.protocol), cell('Best epoch', { class: 'num' }, r.epochs), cell('Wall', { class: 'num' }, r.wall),
    cell('Source', { class: 'source muted', ...(r.recordedFrom ? { title: `recorded from ${r.recordedFrom}` } : {}) }, r.source, r.recordedFrom ? ' ¹' : ''));
}

onHostMessage((m) => {
  if (m.type === 'error') {
    titleEl.textContent = m.message;
    const waiting = m.message.startsWith('Waiting for ');
    statusEl.textContent = waiting ? 'waiting' : 'error';
    statusEl.className = `status ${waiting ? 'status-pending' : 'status-failed'}`;
    return;
  }
  if (m.type !== 'reproduction') return;
  data = m.data;
  if (resultsFile !== data.file) {
    resultsFile = data.file;
    saveState({ view: 'reproduction', runIds: [], resultsFile });
  }
  render();
});

watchTheme((t) => {
  theme = t;
  render();
});

(window as unknown as { reclabDebug: unknown }).reclabDebug = {
  data: () => data,
  view: () => view,
  charts: () => Object.fromEntries([...charts].map(([m, c]) => [m, c.drawn])),
  theme: () => theme,
};

post({ type: 'ready', view: 'reproduction' });
