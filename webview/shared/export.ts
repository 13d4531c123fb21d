/** CSV and JSON export of chart or run data: one row per recorded point, every x coordinate kept. */

export interface ExportSeries {
  run: string;
  runId: string;
  series: string;
  step: ArrayLike<number>;
  epoch: ArrayLike<number>;
  wall: ArrayLike<number>;
  value: ArrayLike<number>;
  /** smoothed values (same length) when the chart smooths */
  smoothed?: ArrayLike<number>;
  length: number;
}

export const CSV_COLUMNS = ['run', 'run_id', 'series', 'step', 'epoch', 'wall_seconds', 'value', 'smoothed'] as const;

/** Quotes a CSV field when it needs it (RFC 4180). */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Long-format CSV: a header, then one line per point of every series (CRLF-free, final newline). */
export function toCsv(series: readonly ExportSeries[]): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const s of series) {
    const prefix = `${csvField(s.run)},${csvField(s.runId)},${csvField(s.series)},`;
    for (let i = 0; i < s.length; i++) {
      lines.push(prefix + [s.step[i], round(s.epoch[i]), round(s.wall[i]), s.value[i], s.smoothed ? s.smoothed[i] : undefined].map(csvField).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

export interface JsonExport {
  exportedAt: string;
  source: string;
  series: { run: string; runId: string; series: string; points: { step: number; epoch: number; wall: number; value: number; smoothed?: number }[] }[];
}

export function toJson(series: readonly ExportSeries[], source: string, now = new Date()): string {
  const doc: JsonExport = {
    exportedAt: now.toISOString(),
    source,
    series: series.map((s) => ({
      run: s.run,
      runId: s.runId,
      series: s.series,
      points: Array.from({ length: s.length }, (_, i) => {
        const p: { step: number; epoch: number; wall: number; value: number; smoothed?: number } = {
          step: s.step[i],
          epoch: round(s.epoch[i]),
          wall: round(s.wall[i]),
          value: s.value[i],
        };
        if (s.smoothed) p.smoothed = s.smoothed[i];
        return p;
      }),
    })),
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

/** A file name from a title: "Training loss" → "training-loss". */
export function fileSlug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9@]+/g, '-').replace(/^-+|-+$/g, '') || 'export';
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
