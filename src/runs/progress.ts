/**
 * A run's progress as every view shows it (tree, status bar, CodeLens, dashboard header): one source (run.json's
 * `progress`, written by the engine at each epoch end, with its `heartbeatAt`), one format, one smoothed ETA.
 *
 * The ETA is the average wall time per epoch so far (evaluations included, so eval epochs do not make it jump)
 * times the epochs left, counted down between updates instead of standing still and jumping at the next epoch.
 */
export interface ProgressFacts {
  epoch: number;
  epochs: number;
  /** the engine's estimate at the time of the update (mean of recent epochs, evaluations excluded) */
  etaSeconds?: number;
}

export interface ProgressClock {
  /** ISO time the run started training */
  startedAt?: string;
  /** ISO time of the update that carried `progress` (run.json heartbeat) */
  heartbeatAt?: string;
}

/** Seconds left, or undefined when unknown. `now` in ms (pass one value to every view drawn together). */
export function smoothedEta(p: ProgressFacts | undefined, clock: ProgressClock, now: number): number | undefined {
  if (!p || !p.epochs || p.epoch >= p.epochs) return p && p.epochs && p.epoch >= p.epochs ? 0 : undefined;
  const started = clock.startedAt ? Date.parse(clock.startedAt) : NaN;
  const at = clock.heartbeatAt ? Date.parse(clock.heartbeatAt) : NaN;
  let eta: number | undefined;
  if (p.epoch >= 2 && Number.isFinite(started) && Number.isFinite(at) && at > started) {
    const perEpoch = (at - started) / 1000 / p.epoch;
    eta = perEpoch * (p.epochs - p.epoch);
  } else {
    eta = p.etaSeconds;
  }
  if (eta === undefined || !Number.isFinite(eta)) return undefined;
  const since = Number.isFinite(at) ? Math.max(0, (now - at) / 1000) : 0;
  return Math.max(0, eta - since);
}

/** "1m 05s", "2h 03m", "42s" — the one duration format of every view. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** "epoch 66/500 · 13% · ETA 2m 00s" */
export function formatProgress(p: ProgressFacts | undefined, eta: number | undefined, opts: { percent?: boolean } = {}): string {
  if (!p) return 'starting…';
  const pct = p.epochs ? ` · ${Math.floor((100 * p.epoch) / p.epochs)}%` : '';
  return `epoch ${p.epoch}/${p.epochs}${opts.percent === false ? '' : pct}${eta !== undefined ? ` · ETA ${formatDuration(eta)}` : ''}`;
}

/** Why a finished run ended before its last epoch ("early stop: …"), from run.json's reason. */
export function endedEarly(status: string, reason: string | undefined, p: ProgressFacts | undefined): string | undefined {
  if (status !== 'finished' || !p || p.epoch >= p.epochs) return undefined;
  return reason ?? `finished at epoch ${p.epoch} of ${p.epochs}`;
}
