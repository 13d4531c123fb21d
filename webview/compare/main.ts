/** Compare webview: many runs overlaid, a sortable metrics table and a config diff. */
import 'uplot/dist/uPlot.min.css';
import '../../media/webview/common.css';
import '../shared/elements';
import { ColourSlots, runColour } from '../shared/colours';
import { diffConfigs } from '../shared/config-diff';
import { configForDiff } from '../shared/backbone';
import { clear, formatValue, h } from '../shared/dom';
import { fileSlug, toCsv, toJson, type ExportSeries } from '../shared/export';
import { LineChart, defaultChartState, type ChartSpec, type ChartViewState } from '../shared/line-chart';
import { applyBaseline, formatDuration, nameFilter, pointLabel, shortParam, sortRows, summaryCells, varyingParams, type RunRow, type SortKey } from '../shared/run-table';
import { formatScore, SUMMARY_KINDS, type SummaryKind } from '../../src/runs/summary';
import { readTheme, watchTheme, type ChartTheme } from '../shared/theme';
import { frameScheduler, ViewModel } from '../shared/view-model';
import { loadState, onHostMessage, post, saveState } from '../shared/vscode-api';
import { groupChunks, groupRow, seedGroups, type SeedGroup } from './groups';

interface CompareUi {
  filter: string;
  /** metric name, e.g. "ndcg@20" (older states held a series key "eval/test/ndcg@20") */
  metric?: string;
  /** which value of each run the table shows: at the selected epoch (best), last, min or max */
  kind?: SummaryKind;
  baseline?: string;
  sort: { key: SortKey; descending: boolean };
  onlyDiffering: boolean;
  /** seed groups drawn as mean ± std (default on) */
  groups?: boolean;
  colours: Record<string, number>;
  charts: Record<string, ChartViewState>;
}

const saved = loadState<CompareUi>();
const ui: CompareUi = {
  filter: '',
  sort: { key: 'best', descending: true },
  onlyDiffering: true,
  colours: {},
  charts: {},
  ...(saved?.ui ?? {}),
};
const model = new ViewModel('compare');
const slots = new ColourSlots(ui.colours);
let theme: ChartTheme = readTheme();
let runIds: string[] = saved?.runIds ?? [];

const persist = () => {
  ui.colours = slots.toJSON();
  saveState({ view: 'compare', runIds, ui });
};
const colourOf = (id: string) => runColour(slots.slotOf(id), { background: theme.backgroundRgb, highContrast: theme.kind.startsWith('high-contrast') });
const visibleRuns = () => {
  const f = nameFilter(ui.filter);
  return model.runs.filter((r) => f.test(r.name));
};
/** seed groups (two or more of the runs shown) drawn and tabulated as mean ± std, when that is on */
const shownGroups = (): SeedGroup[] => (ui.groups === false ? [] : seedGroups(visibleRuns()));
const inShownGroup = (): Set<string> => new Set(shownGroups().flatMap((g) => g.runs.map((r) => r.id)));
let groupSeriesSig = '';
/** (re)computes the groups' mean and ± std series of the chosen metric into the store */
function refreshGroupSeries(): boolean {
  const m = currentMetric();
  const groups = shownGroups();
  const sig = `${model.structureVersion}|${m}|${groups.map((g) => g.key + g.runs.length).join(',')}`;
  if (sig === groupSeriesSig) return false;
  groupSeriesSig = sig;
  for (const g of seedGroups(model.runs)) model.store.removeRun(g.key);
  if (!m) return true;
  for (const g of groups) for (const split of ['valid', 'test']) model.store.append(groupChunks(model.store, g, `eval/${split}/${m}`));
  return true;
}
/** metric names ("ndcg@20") any shown run recorded */
const metricNames = () => {
  const out: string[] = [];
  for (const k of model.store.allKeys()) {
    if (!k.startsWith('eval/')) continue;
    const m = k.split('/').slice(2).join('/');
    if (!out.includes(m)) out.push(m);
  }
  return out;
};
const currentMetric = (): string | undefined => {
  const names = metricNames();
  const wanted = ui.metric?.startsWith('eval/') ? ui.metric.split('/').slice(2).join('/') : ui.metric;
  if (wanted && names.includes(wanted)) return wanted;
  const select = model.runs.find((r) => r.selectMetric)?.selectMetric;
  return names.find((m) => m === select) ?? names[0];
};
const currentKind = (): SummaryKind => (ui.kind && SUMMARY_KINDS.includes(ui.kind) ? ui.kind : 'best');
const KIND_LABELS: Record<SummaryKind, string> = { best: 'at selected epoch', last: 'last', min: 'min', max: 'max' };
const metricLabel = (m: string | undefined) => m ?? '–';
const exportData = (format: 'csv' | 'json', suggestedName: string, content: string) => post({ type: 'export', format, suggestedName: `compare-${suggestedName}`, content });

// ---- layout
const filterField = h('vscode-textfield', { placeholder: 'Filter runs by name (regular expression)', class: 'run-filter', value: ui.filter }) as HTMLElement & { value: string; invalid?: boolean };
const metricSelect = h('vscode-single-select', { class: 'metric-select', 'aria-label': 'Metric' }) as HTMLElement & { value: string };
const baselineSelect = h('vscode-single-select', { class: 'baseline-select', 'aria-label': 'Baseline run' }) as HTMLElement & { value: string };
const kindSelect = h('vscode-single-select', { class: 'kind-select', 'aria-label': 'Value' }) as HTMLElement & { value: string };
const exportCsv = h('vscode-button', { icon: 'export', secondary: true, class: 'export-all-csv' }, 'Export CSV');
const exportJson = h('vscode-button', { icon: 'json', secondary: true, class: 'export-all-json' }, 'Export JSON');
const titleEl = h('h1', {}, 'Compare runs');
const pickerEl = h('div', { class: 'run-picker' });
const picker = h('vscode-collapsible', { title: 'Runs', class: 'picker-section' }, pickerEl);
const tableEl = h('div', { class: 'metrics-table' });
const chartsEl = h('main', { class: 'chart-grid' });
const groupToggle = h('vscode-checkbox', { label: 'Seed groups as mean ± std', checked: ui.groups !== false, class: 'group-toggle' }) as HTMLElement & { checked: boolean };
const pairedEl = h('div', { class: 'paired-caption muted' });
const onlyDiffering = h('vscode-checkbox', { label: 'Only what differs', checked: ui.onlyDiffering, class: 'only-differing' }) as HTMLElement & { checked: boolean };
const diffEl = h('div', { class: 'config-diff' });
const app = document.getElementById('app') ?? document.body;
app.append(
  h('header', { class: 'compare-header' }, titleEl, h('div', { class: 'compare-toolbar' }, filterField, h('label', {}, 'Metric ', metricSelect), h('label', {}, 'Value ', kindSelect), h('label', {}, 'Baseline ', baselineSelect), groupToggle, exportCsv, exportJson)),
  picker,
  h('section', { class: 'table-section' }, h('h2', {}, 'Metrics'), tableEl, pairedEl),
  chartsEl,
  h('section', { class: 'diff-section' }, h('div', { class: 'diff-header' }, h('h2', {}, 'Config diff'), onlyDiffering), diffEl),
);

filterField.addEventListener('input', () => {
  ui.filter = filterField.value;
  filterField.invalid = !nameFilter(ui.filter).valid;
  persist();
  refresh();
});
metricSelect.addEventListener('change', () => {
  ui.metric = metricSelect.value;
  persist();
  refresh();
});
kindSelect.addEventListener('change', () => {
  ui.kind = kindSelect.value as SummaryKind;
  persist();
  refresh();
});
baselineSelect.addEventListener('change', () => {
  ui.baseline = baselineSelect.value;
  persist();
  refresh();
});
groupToggle.addEventListener('change', () => {
  ui.groups = groupToggle.checked;
  persist();
  refresh();
});
onlyDiffering.addEventListener('change', () => {
  ui.onlyDiffering = onlyDiffering.checked;
  persist();
  renderDiff();
});
exportCsv.addEventListener('click', () => exportAll('csv'));
exportJson.addEventListener('click', () => exportAll('json'));

// ---- charts
const chartHost = {
  store: model.store,
  theme: () => theme,
  syncKey: 'reclab-compare',
  saveState: (id: string, s: ChartViewState) => {
    ui.charts[id] = s;
    persist();
  },
  exportData,
};
const runName = (id: string) => model.run(id)?.name ?? shownGroups().find((g) => g.key === id)?.label ?? id;
// smoothing only for the per-step loss; per-epoch series are drawn raw
const perRun = (key: () => string | undefined, smooth: boolean) => () => {
  const k = key();
  return k ? visibleRuns().map((r) => ({ runId: r.id, key: k, label: r.name, colour: colourOf(r.id), smooth })) : [];
};
/** the chosen metric of every run: one hue per run, the split as line style (valid dashed, test solid) */
const metricLines = () => {
  const m = currentMetric();
  if (!m) return [];
  const grouped = inShownGroup();
  const single = visibleRuns().filter((r) => !grouped.has(r.id)).map((r) => ({ id: r.id, name: r.name }));
  const groups = shownGroups().map((g) => ({ id: g.key, name: `${g.label} mean` }));
  return [...single, ...groups].flatMap((r) => (['valid', 'test'] as const)
    .filter((split) => model.store.get(r.id, `eval/${split}/${m}`)?.length)
    .map((split) => ({ runId: r.id, key: `eval/${split}/${m}`, label: `${r.name} ${split}`, colour: colourOf(r.id), smooth: false, dash: split === 'valid' ? [6, 3] : undefined })));
};
/** a group's ± std band around its mean line, per split */
const metricBands = () => {
  const m = currentMetric();
  if (!m) return [];
  return shownGroups().flatMap((g) => (['valid', 'test'] as const)
    .filter((split) => model.store.get(g.key, `eval/${split}/${m}/lo`)?.length)
    .map((split) => ({ runId: g.key, lowKey: `eval/${split}/${m}/lo`, highKey: `eval/${split}/${m}/hi`, label: `${g.label} ${split} ± std`, colour: colourOf(g.key), opacity: 0.18 })));
};
/** τ of runs whose τ changes; a fixed τ is a flat line that says nothing */
const tauLines = () => visibleRuns().filter((r) => /τ=adaptive/.test(r.summary ?? '')).map((r) => ({ runId: r.id, key: 'tau/global', label: r.name, colour: colourOf(r.id), smooth: false }));
const specs: ChartSpec[] = [
  { id: 'loss', title: 'Training loss', defaultX: 'step', runName, emptyText: 'No training steps recorded.', lines: perRun(() => 'loss', true) },
  { id: 'metric', title: 'Evaluation metric', defaultX: 'epoch', runName, emptyText: 'No evaluation recorded.', lines: metricLines, bands: metricBands },
  { id: 'tau', title: 'Global temperature τ', defaultX: 'epoch', runName, emptyText: 'No run here adapts τ (fixed τ, or a loss without τ).', lines: tauLines },
];
const charts = specs.map((s) => new LineChart(s, ui.charts[s.id] ?? defaultChartState(s.defaultX), chartHost));
for (const c of charts) chartsEl.append(c.root);

// ---- rendering
let drawnStructure = -1;
let drawnCatalog = -1;
let lastTableAt = -Infinity;
let tableTimer: ReturnType<typeof setTimeout> | undefined;
/** While runs stream, new evaluations re-render the (DOM-heavy) table at most this often. */
const TABLE_MIN_INTERVAL_MS = 500;

const draw = frameScheduler(() => {
  if (refreshGroupSeries()) for (const c of charts) c.invalidate();
  if (drawnCatalog !== model.catalogVersion) {
    drawnCatalog = model.catalogVersion;
    drawnStructure = model.structureVersion;
    renderStructure();
  } else if (drawnStructure !== model.structureVersion) {
    const wait = lastTableAt + TABLE_MIN_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      drawnStructure = model.structureVersion;
      renderSelectors();
      renderTable();
    } else if (!tableTimer) {
      tableTimer = setTimeout(() => {
        tableTimer = undefined;
        draw();
      }, wait);
    }
  }
  for (const c of charts) c.render();
});

function refresh(): void {
  drawnStructure = -1;
  drawnCatalog = -1;
  for (const c of charts) c.invalidate();
  draw();
}

function renderStructure(): void {
  const n = model.runs.length;
  titleEl.textContent = `Compare ${n} run${n === 1 ? '' : 's'}`;
  renderSelectors();
  renderPicker();
  renderTable();
  renderDiff();
}

function fillSelect(select: HTMLElement & { value: string }, options: [string, string][], value: string | undefined): void {
  const sig = JSON.stringify(options) + value;
  if (select.dataset.sig === sig) return;
  select.dataset.sig = sig;
  clear(select);
  for (const [v, label] of options) select.append(h('vscode-option', { value: v, selected: v === value }, label));
  if (value !== undefined) select.value = value;
}

function renderSelectors(): void {
  fillSelect(metricSelect, metricNames().map((k) => [k, k]), currentMetric());
  fillSelect(kindSelect, SUMMARY_KINDS.map((k): [string, string] => [k, KIND_LABELS[k]]), currentKind());
  const base = ui.baseline && model.runs.some((r) => r.id === ui.baseline) ? ui.baseline : '';
  fillSelect(baselineSelect, [['', 'none'], ...model.runs.map((r): [string, string] => [r.id, r.name])], base);
}

function renderPicker(): void {
  clear(pickerEl);
  const f = nameFilter(ui.filter);
  const all = [...model.catalog.values()].filter((r) => f.test(r.name));
  picker.setAttribute('title', `Runs: ${model.runs.length} selected of ${model.catalog.size}`);
  for (const r of all) {
    const point = pointLabel(r.sweepPoint);
    const box = h('vscode-checkbox', { checked: runIds.includes(r.id), label: point ? `${r.name} · ${point}` : r.name, 'data-run': r.id }) as HTMLElement & { checked: boolean };
    box.addEventListener('change', () => {
      runIds = box.checked ? [...runIds, r.id] : runIds.filter((id) => id !== r.id);
      persist();
      post({ type: 'selectRuns', runIds });
    });
    const swatch = h('span', { class: 'swatch' });
    if (runIds.includes(r.id)) swatch.style.setProperty('--swatch', colourOf(r.id));
    pickerEl.append(h('div', { class: 'picker-row' }, swatch, box, h('span', { class: 'muted' }, r.status)));
  }
}

export function tableRows(): RunRow[] {
  const metric = currentMetric();
  const grouped = inShownGroup();
  const rows: RunRow[] = visibleRuns().filter((r) => !grouped.has(r.id)).map((r) => {
    const loss = model.store.get(r.id, 'loss');
    const lastWall = loss && loss.length ? loss.wall[loss.length - 1] : 0;
    return {
      runId: r.id, name: r.name, status: r.status, wallSeconds: r.wallSeconds ?? (lastWall || undefined), params: r.sweepPoint,
      ...summaryCells(r.result, metric ?? '', currentKind()),
    };
  });
  rows.push(...shownGroups().map((g) => groupRow(g, metric ?? '', currentKind())));
  // the paired test's p-value (Holm-corrected t-test on per-user test values) on both sides' rows
  const p = model.paired?.rows?.find((x) => x.metric === metric)?.pTHolm;
  if (p !== undefined) {
    const sideKey = (side: { id: string; kind: 'run' | 'group' }) => (side.kind === 'group' ? `group:${side.id}` : side.id);
    for (const r of rows) if (r.runId === sideKey(model.paired!.a) || r.runId === sideKey(model.paired!.b)) r.p = p;
  }
  return sortRows(applyBaseline(rows, ui.baseline), ui.sort.key, ui.sort.descending);
}

interface Column {
  key: SortKey | 'colour';
  label: string;
  width: string;
  title?: string;
  /** minimum width in px of an `auto` column */
  min?: number;
}

function columns(): Column[] {
  const m = metricLabel(currentMetric());
  const kind = currentKind();
  const params = varyingParams(visibleRuns().map((r) => r.sweepPoint));
  return [
    { key: 'colour', label: '', width: '28px' },
    { key: 'name', label: 'Run', width: 'auto', min: 160 },
    ...params.map((p): Column => ({ key: `param:${p}`, label: shortParam(p), width: '90px', title: p })),
    { key: 'status', label: 'Status', width: '84px' },
    { key: 'valid', label: `${m} valid`, width: '110px', title: `${m} on the validation split, ${KIND_LABELS[kind]}` },
    { key: 'test', label: `${m} test`, width: '110px', title: `${m} on the test split, ${KIND_LABELS[kind]}` },
    { key: 'bestEpoch', label: kind === 'best' ? 'Selected epoch' : 'Epoch', width: '100px' },
    { key: 'wallSeconds', label: 'Wall time', width: '84px' },
    { key: 'delta', label: 'Δ vs baseline', width: '130px', title: 'On the split each run selects on' },
    ...(model.paired?.rows?.some((x) => x.metric === currentMetric()) ? [{ key: 'p' as const, label: 'p (paired)', width: '100px', title: 'Paired t-test on per-user test values at the selected epochs, Holm-corrected across the metrics tested' }] : []),
  ];
}

function renderTable(): void {
  lastTableAt = performance.now();
  clear(tableEl);
  const rows = tableRows();
  const cols = columns();
  const table = h('vscode-table', { zebra: true, 'bordered-rows': true, resizable: true, columns: JSON.stringify(cols.map((c) => c.width)) });
  const header = h('vscode-table-header', { slot: 'header' });
  for (const c of cols) {
    const arrow = ui.sort.key === c.key ? (ui.sort.descending ? ' ▾' : ' ▴') : '';
    const cell = h('vscode-table-header-cell', { class: c.key === 'colour' ? '' : 'sortable', 'data-sort': c.key, title: c.key === 'colour' ? '' : c.title ?? `Sort by ${c.label}` }, c.label + arrow);
    if (c.key !== 'colour') {
      const key = c.key;
      cell.addEventListener('click', () => {
        ui.sort = ui.sort.key === key ? { key, descending: !ui.sort.descending } : { key, descending: key !== 'name' && key !== 'status' && !key.startsWith('param:') };
        persist();
        renderTable();
      });
    }
    header.append(cell);
  }
  const body = h('vscode-table-body', { slot: 'body' });
  const baseline = ui.baseline;
  const lower = lowerMetric();
  for (const r of rows) {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.setProperty('--swatch', colourOf(r.runId));
    const link = h('a', { href: '#', class: 'run-link', title: 'Open this run’s dashboard' }, r.name);
    link.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'openDashboard', runId: r.runId });
    });
    const delta = r.runId === baseline ? 'baseline' : r.delta === undefined ? '–' : `${r.delta >= 0 ? '+' : ''}${formatValue(r.delta)}${r.deltaRatio !== undefined ? ` (${r.deltaRatio >= 0 ? '+' : ''}${(r.deltaRatio * 100).toFixed(1)}%)` : ''}`;
    const deltaClass = r.delta === undefined || r.delta === 0 ? '' : (r.delta > 0) !== lower ? 'better' : 'worse';
    const cells = cols.map((c) => {
      switch (c.key) {
        case 'colour': return h('vscode-table-cell', {}, swatch);
        case 'name': return h('vscode-table-cell', {}, r.runs ? h('span', { class: 'group-name', title: `mean ± std over ${r.runs} seeds` }, r.name) : link);
        case 'status': return h('vscode-table-cell', {}, r.status);
        case 'valid': return h('vscode-table-cell', { class: 'num', 'data-col': 'valid' }, withStd(r.valid, r.validStd));
        case 'test': return h('vscode-table-cell', { class: 'num', 'data-col': 'test' }, withStd(r.test, r.testStd));
        case 'p': return h('vscode-table-cell', { class: 'num', 'data-col': 'p' }, r.p === undefined ? '–' : formatP(r.p));
        case 'bestEpoch': return h('vscode-table-cell', { class: 'num', 'data-col': 'epoch' }, r.bestEpoch === undefined ? '–' : String(r.bestEpoch));
        case 'wallSeconds': return h('vscode-table-cell', { class: 'num' }, formatDuration(r.wallSeconds));
        case 'delta': return h('vscode-table-cell', { class: `num ${deltaClass}` }, delta);
        default: {
          const v = r.params?.[c.key.slice(6)];
          return h('vscode-table-cell', { class: 'num param' }, v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v));
        }
      }
    });
    body.append(h('vscode-table-row', { 'data-run': r.runId }, ...cells));
  }
  table.append(header, body);
  const kind = currentKind();
  const caption = kind === 'best'
    ? `${metricLabel(currentMetric())} on each split at the epoch each run selected (its selection split and metric); click a column to sort.`
    : `${metricLabel(currentMetric())}: ${KIND_LABELS[kind]} value over all evaluations, per split (not a selection); click a column to sort.`;
  // a narrow view scrolls the table inside its own box (the page itself never scrolls sideways)
  table.style.minWidth = `${cols.reduce((sum, c) => sum + (c.width === 'auto' ? c.min ?? 120 : parseInt(c.width, 10)), 0)}px`;
  tableEl.append(h('div', { class: 'table-caption muted' }, caption), h('div', { class: 'table-scroll' }, table));
  groupToggle.style.display = seedGroups(visibleRuns()).length ? '' : 'none';
  renderPaired();
}

/** "0.1234 ± 0.0012" for a group's mean and std */
const withStd = (v: number | undefined, std: number | undefined) => (std === undefined ? formatScoreCell(v) : `${formatScoreCell(v)} ± ${formatScoreCell(std)}`);
const formatP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function renderPaired(): void {
  const pr = model.paired;
  clear(pairedEl);
  if (!pr) return;
  if (pr.error || !pr.rows) {
    pairedEl.textContent = `No paired test of ${pr.a.label} and ${pr.b.label}: ${pr.error ?? 'no values'}`;
    return;
  }
  const parts = pr.rows.map((x) => `${x.metric}: A − B = ${(x.meanA - x.meanB >= 0 ? '+' : '') + (x.meanA - x.meanB).toFixed(4)}, t-test p = ${formatP(x.pT)} (Holm ${formatP(x.pTHolm)}), Wilcoxon p = ${formatP(x.pW)} (Holm ${formatP(x.pWHolm)})`);
  pairedEl.append(
    h('div', {}, `Paired tests on ${pr.users} users' per-user test values at each run's selected epoch (picked on ${pr.selectSplit}); A = ${pr.a.label}, B = ${pr.b.label}; Holm across ${pr.rows.length} metrics.`),
    ...parts.map((t) => h('div', { class: 'paired-row' }, t)),
  );
}

const lowerMetric = () => /loss/.test(currentMetric() ?? '');
/** the same four decimals as the tree, CodeLens and dashboard header */
const formatScoreCell = (v: number | undefined) => formatScore(v);

function renderDiff(): void {
  clear(diffEl);
  const runs = visibleRuns().filter((r) => model.configs[r.id] !== undefined);
  if (runs.length === 0) {
    diffEl.append(h('p', { class: 'muted' }, 'No configs to compare.'));
    return;
  }
  const rows = diffConfigs(runs.map((r) => configForDiff(model.configs[r.id])), ui.onlyDiffering);
  if (!rows.length) {
    diffEl.append(h('p', { class: 'muted' }, 'The configs of these runs are identical.'));
    return;
  }
  const table = h('vscode-table', { zebra: true, 'bordered-columns': true, resizable: true, columns: JSON.stringify(['220px', ...runs.map(() => 'auto')]) });
  const header = h('vscode-table-header', { slot: 'header' }, h('vscode-table-header-cell', {}, 'Setting'), ...runs.map((r) => h('vscode-table-header-cell', { title: r.id }, r.name)));
  const body = h('vscode-table-body', { slot: 'body' });
  for (const row of rows) {
    body.append(
      h('vscode-table-row', { class: row.differs ? 'differs' : '' }, h('vscode-table-cell', { class: 'path' }, row.path), ...row.values.map((v) => h('vscode-table-cell', { class: row.differs ? 'diff-value' : '' }, v ?? '—'))),
    );
  }
  table.append(header, body);
  diffEl.append(table);
}

/** Every series of every visible run (not decimated): what "export all selected" saves. */
export function exportAllSeries(): ExportSeries[] {
  const out: ExportSeries[] = [];
  for (const r of visibleRuns()) {
    for (const key of model.store.keys(r.id)) {
      const s = model.store.get(r.id, key)!;
      out.push({ run: r.name, runId: r.id, series: key, step: s.step.subarray(0, s.length), epoch: s.epoch.subarray(0, s.length), wall: s.wall.subarray(0, s.length), value: s.value.subarray(0, s.length), length: s.length });
    }
  }
  return out;
}

function exportAll(format: 'csv' | 'json'): void {
  const series = exportAllSeries();
  const content = format === 'csv' ? toCsv(series) : toJson(series, `compare: ${visibleRuns().map((r) => r.name).join(', ')}`);
  exportData(format, `${fileSlug(`${visibleRuns().length}-runs`)}.${format}`, content);
}

onHostMessage((m) => {
  if (m.type === 'error') {
    titleEl.textContent = m.message;
    return;
  }
  const r = model.apply(m);
  if (r === 'resync') {
    post({ type: 'ready', view: 'compare' });
    return;
  }
  if (m.type === 'snapshot') {
    runIds = m.runs.map((x) => x.id);
    slots.retain(runIds);
    for (const id of runIds) slots.slotOf(id);
    persist();
    for (const c of charts) c.invalidate(true);
  }
  draw();
});

watchTheme((t) => {
  theme = t;
  refresh();
  for (const c of charts) c.invalidate(true);
});

(window as unknown as { reclabDebug: unknown }).reclabDebug = { model, charts: Object.fromEntries(charts.map((c) => [c.spec.id, c])), tableRows, exportAllSeries };

post({ type: 'ready', view: 'compare' });
