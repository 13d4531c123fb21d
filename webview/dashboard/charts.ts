/** The dashboard's chart specs: which series each chart draws and how. */
import type { XAxisMode } from '../../src/protocol/webview';
import { runColour } from '../shared/colours';
import type { BandSpec, ChartSpec, LineSpec } from '../shared/line-chart';
import type { ChartTheme } from '../shared/theme';
import type { ViewModel } from '../shared/view-model';
import { formatValue } from '../shared/dom';

const PERCENTILE_KEYS = new Set(['min', 'p5', 'p25', 'p50', 'p75', 'p95', 'max']);

function paletteColour(theme: ChartTheme, i: number): string {
  const p = theme.palette;
  const base = [p.blue, p.orange, p.green, p.purple, p.red, p.yellow];
  return i < base.length ? base[i] : runColour(i, { background: theme.backgroundRgb, highContrast: theme.kind.startsWith('high-contrast') });
}

/** Metric keys ("ndcg@20") recorded by a run, in recording order, from its `eval/<split>/<metric>` series keys. */
export function evalMetrics(keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of keys) {
    if (!k.startsWith('eval/')) continue;
    const m = k.split('/').slice(2).join('/');
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

/** True when a series has a single value throughout (a flat line says nothing a sentence would not). */
function constant(model: ViewModel, runId: string, key: string): number | undefined {
  const s = model.store.get(runId, key);
  if (!s || !s.length) return undefined;
  const first = s.value[0];
  for (let k = 1; k < s.length; k++) if (s.value[k] !== first) return undefined;
  return first;
}

export interface DashboardChoices {
  /** metric the evaluation chart shows (undefined: the run's selection metric) */
  metric?: string;
}

export function dashboardCharts(model: ViewModel, runId: () => string, theme: () => ChartTheme, choices: DashboardChoices = {}, onChoice: () => void = () => undefined): (ChartSpec & { defaultX: XAxisMode })[] {
  const keys = () => model.store.keys(runId());
  const runName = (id: string) => model.run(id)?.name ?? id;
  // smoothing is for per-step training curves; per-epoch series (evaluation, τ, sampler statistics) are drawn raw
  const line = (key: string, label: string, colour: string, extra: Partial<LineSpec> = {}): LineSpec => ({ runId: runId(), key, label, colour, smooth: false, ...extra });
  const summaryText = () => model.run(runId())?.summary ?? '';
  const evalMetric = () => {
    const all = evalMetrics(keys());
    const want = choices.metric ?? model.run(runId())?.selectMetric;
    return want && all.includes(want) ? want : all[0];
  };
  const band = (lowKey: string, highKey: string, label: string, colour: string, opacity: number): BandSpec => ({ runId: runId(), lowKey, highKey, label, colour, opacity });
  return [
    {
      id: 'loss',
      title: 'Training loss',
      defaultX: 'step',
      runName,
      emptyText: 'No training steps recorded yet.',
      lines: () => {
        const t = theme();
        const extras = keys().filter((k) => k.startsWith('loss/'));
        return [line('loss', 'loss', t.palette.blue, { smooth: true }), ...extras.map((k, i) => line(k, k.slice(5), paletteColour(t, i + 1), { smooth: true }))];
      },
    },
    {
      id: 'eval',
      title: 'Evaluation',
      defaultX: 'epoch',
      runName,
      emptyText: 'No evaluation yet.',
      // one metric at a time (picker), each split a line style of one hue: valid dashed, test solid
      picker: {
        label: 'Metric',
        options: () => evalMetrics(keys()).map((m) => ({ value: m, label: m })),
        value: () => evalMetric() ?? '',
        set: (v) => {
          choices.metric = v;
          onChoice();
        },
      },
      lines: () => {
        const t = theme();
        const metric = evalMetric();
        if (!metric) return [];
        const all = evalMetrics(keys());
        const colour = paletteColour(t, Math.max(0, all.indexOf(metric)));
        return (['valid', 'test'] as const)
          .filter((split) => model.store.get(runId(), `eval/${split}/${metric}`)?.length)
          .map((split) => line(`eval/${split}/${metric}`, `${metric} ${split}`, colour, { dash: split === 'valid' ? [6, 3] : undefined }));
      },
    },
    {
      id: 'lr',
      title: 'Learning rate',
      defaultX: 'epoch',
      runName,
      emptyText: () => {
        const lr = constant(model, runId(), 'epoch/lr');
        return lr === undefined ? 'No epoch finished yet.' : `Constant learning rate ${formatValue(lr)} (train.lrDecayOnPlateau is off or has not fired).`;
      },
      lines: () => {
        // drawn only once the lr has changed: a flat line would be noise on every run without decay
        const s = model.store.get(runId(), 'epoch/lr');
        if (!s || s.length < 2 || constant(model, runId(), 'epoch/lr') !== undefined) return [];
        return [line('epoch/lr', 'lr', theme().palette.green)];
      },
    },
    {
      id: 'temperature',
      title: 'Temperature τ',
      defaultX: 'epoch',
      runName,
      emptyText: () => {
        const summary = summaryText();
        const fixed = constant(model, runId(), 'tau/global');
        if (/τ=adaptive/.test(summary)) return 'Adap-τ: the first τ is reported when epoch 1 ends (the warm-up epochs use the warm-up β₀).';
        const configured = /τ=([0-9.e+-]+)/.exec(summary)?.[1];
        if (configured !== undefined) return `Fixed τ = ${configured} for the whole run: nothing to plot.`;
        if (fixed !== undefined) return `No temperature in this run (τ = ${formatValue(fixed)} throughout).`;
        return 'No temperature in this run.';
      },
      bands: () => {
        const c = theme().palette.purple;
        return [band('tau/p5', 'tau/p95', 'per-user τ p5–p95', c, 0.14), band('tau/p25', 'tau/p75', 'per-user τ p25–p75', c, 0.3)];
      },
      lines: () => {
        const t = theme();
        // a τ that never changes (fixed τ, or none at all as for BPR) is said in one line instead of a flat line
        if (!/τ=adaptive/.test(summaryText()) && !model.store.get(runId(), 'tau/p50')?.length && constant(model, runId(), 'tau/global') !== undefined) return [];
        return [line('tau/p50', 'per-user τ median', t.palette.purple, { dash: [5, 3], width: 1.25 }), line('tau/global', 'global τ', t.palette.orange)];
      },
    },
    {
      id: 'negatives',
      title: 'Sampled negative scores',
      defaultX: 'epoch',
      runName,
      emptyText: 'No sampler events yet.',
      bands: () => {
        const c = theme().palette.blue;
        return [band('neg/p5', 'neg/p95', 'score p5–p95', c, 0.14), band('neg/p25', 'neg/p75', 'score p25–p75', c, 0.3)];
      },
      lines: () => {
        const t = theme();
        return [line('neg/p50', 'median score', t.palette.blue, { dash: [5, 3], width: 1.25 }), line('neg/mean', 'mean score', t.palette.orange)];
      },
    },
    {
      id: 'sampler',
      title: 'False negatives and collisions',
      defaultX: 'epoch',
      runName,
      emptyText: 'No sampler events yet.',
      lines: () => {
        const t = theme();
        return [line('sampler/fnr', 'false-negative rate', t.palette.red), line('sampler/collision', 'positive-collision rate', t.palette.yellow)];
      },
    },
    {
      id: 'gain',
      title: 'Sampler gain and variance',
      defaultX: 'epoch',
      runName,
      emptyText: () => (keys().some((k) => k.startsWith('sampler/')) ? 'This sampler reports no gain or variance (only GDNS, SRNS and similar do).' : 'No sampler events yet.'),
      bands: () => {
        const t = theme();
        const withBands = keys().filter((k) => k.startsWith('sampler/') && k.endsWith('/p95')).map((k) => k.slice(0, -4));
        return withBands.map((base, i) => band(`${base}/p5`, `${base}/p95`, `${base.slice(8)} p5–p95`, paletteColour(t, i + 2), 0.18));
      },
      lines: () => {
        const t = theme();
        const extra = keys().filter((k) => {
          if (!k.startsWith('sampler/') || k === 'sampler/fnr' || k === 'sampler/collision') return false;
          const last = k.split('/').pop()!;
          return k.split('/').length === 2 || last === 'p50' || !PERCENTILE_KEYS.has(last);
        });
        return extra.map((k, i) => line(k, k.slice(8).replace(/\/p50$/, ' (median)'), paletteColour(t, i + 2)));
      },
    },
    {
      id: 'popularity',
      title: 'Recall by item popularity',
      defaultX: 'epoch',
      runName,
      emptyText: 'No popularity breakdown (eval.popularityGroups = 0, or no evaluation yet).',
      lines: () => {
        const t = theme();
        const popKeys = keys().filter((k) => k.startsWith('pop/test/'));
        const use = popKeys.length ? popKeys : keys().filter((k) => k.startsWith('pop/'));
        return use.map((k, i) => line(k, k.split('/').slice(2).join('/'), paletteColour(t, i)));
      },
    },
  ];
}
