/**
 * Results of a reproduced suite (ours vs published with Δ, protocol, epochs, wall time, environment) and their
 * renderings: a plain-text table, markdown and CSV. The results file is the record; the renderings derive from it.
 */
export interface Environment {
  reclab: string;
  node: string;
  backend: string;
  /** threads of the training kernels in the rows' runs (run.json; the machine's cores when no run recorded them) */
  threads: number;
  /** the machine's cores (absent in results written before it was recorded) */
  cores?: number;
  /** the SpMM / gemm kernels of the rows' runs (run.json's train.kernels: native or wasm; absent before session 6) */
  kernels?: string;
  cpu: string;
  os: string;
  /** 1-minute load average when the suite finished (shared machines) */
  loadAverage?: number;
}

export interface ResultRow {
  id: string;
  method: string;
  backbone: string;
  dataset: string;
  config: string;
  /** 'test': best epoch picked on test (the papers' protocol, labelled); 'valid': honest validation */
  protocol: 'test' | 'valid';
  /** pending / queued / running: written while `reclab reproduce` works through the suite (the files fill in live) */
  status: 'finished' | 'stopped' | 'failed' | 'recorded' | 'pending' | 'queued' | 'running';
  epochs: number | null;
  bestEpoch: number | null;
  wallSeconds: number | null;
  /** our test metrics at the selected epoch */
  ours: Record<string, number>;
  /** beyond-accuracy test metrics at the selected epoch (coverage, gini, arp, aplt at the suite's cut-offs), when the run computed them */
  beyond?: Record<string, number>;
  published: Record<string, number>;
  source: string;
  runDir?: string;
  /** the executor's job when not a local process: the Slurm job id, and its scheduler state and reason while it waits */
  job?: { executor: string; id: string; state?: string; reason?: string };
  /** for results not produced by `reclab reproduce`: where the recorded numbers come from */
  recordedFrom?: string;
  error?: string;
}

export interface SuiteResults {
  suite: string;
  title: string;
  metrics: string[];
  generatedAt: string;
  environment: Environment | null;
  rows: ResultRow[];
  note?: string;
}

export const PROTOCOL_LABEL = {
  test: 'best epoch on test (papers\' protocol)',
  valid: 'best epoch on validation',
} as const;

const f4 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(4));

/** ours − published, or undefined when either is missing. */
export function delta(row: ResultRow, metric: string): number | undefined {
  const a = row.ours[metric];
  const b = row.published[metric];
  return a === undefined || b === undefined ? undefined : a - b;
}

function fmtDelta(d: number | undefined, published: number | undefined): string {
  if (d === undefined || published === undefined) return '—';
  const pct = published !== 0 ? ` (${d >= 0 ? '+' : ''}${((100 * d) / published).toFixed(1)} %)` : '';
  return `${d >= 0 ? '+' : ''}${d.toFixed(4)}${pct}`;
}

function fmtWall(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function columns(r: SuiteResults): string[] {
  return ['row', 'method', 'dataset', ...r.metrics.flatMap((m) => [`${m} ours`, `${m} published`, `Δ ${m}`]), 'protocol', 'epochs', 'wall', 'source'];
}

/** what a row without its own numbers shows in their place */
const NOT_YET = { failed: 'failed', pending: 'pending', queued: 'queued', running: 'running…' } as const;

/** a row whose run has not ended yet */
export const isWaiting = (row: ResultRow): boolean => row.status === 'pending' || row.status === 'queued' || row.status === 'running';

function cells(r: SuiteResults, row: ResultRow): string[] {
  return [
    row.id, row.method, row.dataset,
    ...r.metrics.flatMap((m) => [NOT_YET[row.status as keyof typeof NOT_YET] ?? f4(row.ours[m]), f4(row.published[m]), fmtDelta(delta(row, m), row.published[m])]),
    isWaiting(row) ? '—' : PROTOCOL_LABEL[row.protocol],
    row.epochs === null ? '—' : row.bestEpoch !== null ? `${row.bestEpoch} of ${row.epochs}` : String(row.epochs),
    fmtWall(row.wallSeconds),
    row.source,
  ];
}

export function environmentLine(env: Environment | null): string {
  if (!env) return 'environment: not recorded';
  return `RecLab ${env.reclab} · Node ${env.node} · backend ${env.backend} · ${env.threads} threads${env.cores !== undefined ? ` of ${env.cores} cores` : ''}${env.kernels ? ` · ${env.kernels} kernels` : ''} · ${env.cpu} · ${env.os}` +
    (env.loadAverage !== undefined ? ` · load ${env.loadAverage.toFixed(2)}` : '');
}

export function renderText(r: SuiteResults): string {
  const head = columns(r);
  const rows = r.rows.map((row) => cells(r, row));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [`${r.title} (${r.suite})`, line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line), environmentLine(r.environment)].join('\n');
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderMarkdown(r: SuiteResults): string {
  const head = columns(r);
  const lines = [
    `# ${r.title}`,
    '',
    `Suite \`${r.suite}\`, generated ${r.generatedAt} by \`reclab reproduce\`. Δ = ours − published (relative in brackets).`,
    '',
    `| ${head.map(mdCell).join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...r.rows.map((row) => `| ${cells(r, row).map(mdCell).join(' | ')} |`),
    '',
    `Environment: ${environmentLine(r.environment).replace(/^environment: /, '')}.`,
  ];
  const beyondKeys = beyondColumns(r);
  if (beyondKeys.length) {
    lines.push('', 'Beyond accuracy (ours, test, same epoch; docs/evaluation.md):', '',
      `| row | ${beyondKeys.join(' | ')} |`, `|---|${beyondKeys.map(() => '---').join('|')}|`,
      ...r.rows.map((row) => `| ${row.id} | ${beyondKeys.map((k) => f4(row.beyond?.[k])).join(' | ')} |`));
  }
  const recorded = r.rows.filter((row) => row.recordedFrom);
  if (recorded.length) lines.push('', ...recorded.map((row) => `- \`${row.id}\`: recorded from ${row.recordedFrom}.`));
  const failed = r.rows.filter((row) => row.error);
  if (failed.length) lines.push('', ...failed.map((row) => `- \`${row.id}\` failed: ${row.error}`));
  if (r.note) lines.push('', r.note);
  return lines.join('\n') + '\n';
}

/** beyond-accuracy keys present in any row, in a stable order */
export function beyondColumns(r: SuiteResults): string[] {
  const keys = new Set<string>();
  for (const row of r.rows) for (const k of Object.keys(row.beyond ?? {})) keys.add(k);
  const order = ['coverage', 'gini', 'arp', 'aplt'];
  return [...keys].sort((a, b) => order.indexOf(a.split('@')[0]) - order.indexOf(b.split('@')[0]) || a.localeCompare(b));
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(r: SuiteResults): string {
  const head = ['row', 'method', 'backbone', 'dataset', 'config', 'protocol', 'status', 'epochs', 'best_epoch', 'wall_seconds',
    ...r.metrics.flatMap((m) => [`${m}_ours`, `${m}_published`, `${m}_delta`]), ...beyondColumns(r), 'source', 'run_dir', 'job_id', 'recorded_from',
    'reclab', 'backend', 'threads', 'cpu'];
  const env = r.environment;
  const rows = r.rows.map((row) => [
    row.id, row.method, row.backbone, row.dataset, row.config, row.protocol, row.status, row.epochs, row.bestEpoch, row.wallSeconds,
    ...r.metrics.flatMap((m) => [row.ours[m], row.published[m], delta(row, m)]), ...beyondColumns(r).map((k) => row.beyond?.[k]),
    row.source, row.runDir, row.job?.id, row.recordedFrom,
    env?.reclab, env?.backend, env?.threads, env?.cpu,
  ].map(csvCell).join(','));
  return [head.join(','), ...rows].join('\n') + '\n';
}
