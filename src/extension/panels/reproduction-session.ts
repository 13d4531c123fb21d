/**
 * The host side of a reproduction view: watches a `<suite>.results.json` that `reclab reproduce` rewrites as rows
 * change (the file, not memory, is the state), joins each running row with its run folder (run.json's progress; the
 * selection so far from the evaluations in metrics.jsonl, read incrementally), and posts the whole view after
 * `ready` and whenever the file or a running row's folder changed (debounced). Pure (no vscode): the VS Code panel
 * and the browser harness drive the same class.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventTail, readRunInfo } from '../../runs/reader';
import { summaryFromEvents } from '../../runs/summary';
import type { EvalEvent } from '../../protocol/events';
import type { SuiteResults } from '../../suites/report';
import { WEBVIEW_PROTOCOL_VERSION, type HostToWebview, type WebviewToHost } from '../../protocol/webview';
import type { ReproductionLive, ReproductionViewData } from '../../protocol/reproduction-view';
import { ViewSession } from './view-session';

export interface ReproductionSessionOptions {
  /** the results file */
  file: string;
  post(message: HostToWebview): unknown;
  /** commands other than ready (open a row's run) */
  onCommand?(message: WebviewToHost): void;
  /** a change is sent this long after the last one seen (ms, default 150) */
  debounceMs?: number;
  /** how often running rows' run folders are checked (ms, default 1000; 0 = never: tests drive check()) */
  pollMs?: number;
}

/** The results file as written, or undefined when missing, or an error while it cannot be parsed. */
export function readResultsFile(file: string): SuiteResults | undefined | Error {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as SuiteResults;
    if (!r || typeof r !== 'object' || !Array.isArray(r.rows) || !Array.isArray(r.metrics)) return new Error('not a results file of `reclab reproduce` (no rows / metrics)');
    return r;
  } catch (e) {
    return new Error(`unreadable JSON (${(e as Error).message})`);
  }
}

const resolveRunDir = (file: string, runDir: string): string => (path.isAbsolute(runDir) ? runDir : path.resolve(path.dirname(file), runDir));

/** A row's run folder as recorded (absolute, or relative to the results file's folder); undefined when it is not here. */
export function runFolderOf(file: string, runDir: string | undefined): string | undefined {
  if (!runDir) return undefined;
  const dir = resolveRunDir(file, runDir);
  return fs.existsSync(path.join(dir, 'run.json')) ? dir : undefined;
}

/** Follows one running row's run folder: progress from run.json, the selection so far from the eval events. */
class LiveRun {
  private readonly tail: EventTail;
  private readonly evals: EvalEvent[] = [];
  constructor(readonly dir: string) {
    this.tail = new EventTail(path.join(dir, 'metrics.jsonl'));
  }

  read(metrics: string[]): ReproductionLive | undefined {
    const info = readRunInfo(this.dir);
    for (const e of this.tail.read()) if (e.kind === 'eval') this.evals.push(e);
    if (!info) return undefined;
    const live: ReproductionLive = { epoch: info.progress?.epoch ?? 0, epochs: info.progress?.epochs ?? 0, ...(info.heartbeatAt ? { heartbeatAt: info.heartbeatAt } : {}) };
    // the same rule as the engine's summary (src/runs/summary.ts): the selection so far and the test metrics there
    const s = summaryFromEvents(this.evals);
    if (s?.selection) {
      const test = s.atSelection?.test ?? {};
      live.best = { epoch: s.selection.epoch, split: s.selection.split, metrics: Object.fromEntries(metrics.filter((m) => test[m] !== undefined).map((m) => [m, test[m]])) };
    }
    return live;
  }
}

export class ReproductionSession extends ViewSession<ReproductionViewData> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stamp = '';
  private watcher: fs.FSWatcher | undefined;
  private readonly poller: ReturnType<typeof setInterval> | undefined;
  private readonly live = new Map<string, LiveRun>();
  private lastGood: SuiteResults | undefined;
  /** run folders of the rows running at the last build (whether or not they exist yet) */
  private runningDirs: string[] = [];

  constructor(private readonly opts: ReproductionSessionOptions) {
    super(opts.post, opts.onCommand);
    try {
      // the directory, not the file: reproduce replaces the file atomically (rename), which ends a watch on the file
      this.watcher = fs.watch(path.dirname(opts.file), (_event, name) => {
        if (!name || name.toString() === path.basename(opts.file)) this.schedule();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      this.watcher = undefined; // the folder does not exist yet: the poll finds the file when it appears
    }
    if (opts.pollMs !== 0) this.poller = setInterval(() => this.check(), opts.pollMs ?? 1000);
  }

  get file(): string {
    return this.opts.file;
  }

  /** Sends when the results file or a running row's run.json changed since the last check (the watcher's backstop). */
  check(): void {
    const parts = [this.opts.file, ...this.runningDirs.map((d) => path.join(d, 'run.json'))].map((f) => {
      try {
        const st = fs.statSync(f);
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return 'missing';
      }
    });
    const stamp = parts.join('|');
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    this.schedule();
  }

  /** The view as it is now, or an error message. */
  build(): ReproductionViewData | string {
    const r = readResultsFile(this.opts.file);
    // a torn or half-written file (written by hand, or by an older reproduce) keeps the last good view
    const results = r instanceof Error || r === undefined ? this.lastGood : r;
    if (!results) return r instanceof Error ? `${path.basename(this.opts.file)}: ${r.message}` : `Waiting for ${this.opts.file}: no such results file yet (reclab reproduce writes it when it starts)`;
    this.lastGood = results;
    const live: Record<string, ReproductionLive> = {};
    const seen = new Set<string>();
    this.runningDirs = results.rows.filter((row) => row.status === 'running' && row.runDir).map((row) => resolveRunDir(this.opts.file, row.runDir!));
    for (const row of results.rows) {
      if (row.status !== 'running') continue;
      const dir = runFolderOf(this.opts.file, row.runDir);
      if (!dir) continue;
      seen.add(dir);
      let l = this.live.get(dir);
      if (!l) this.live.set(dir, (l = new LiveRun(dir)));
      const v = l.read(results.metrics);
      if (v) live[row.id] = v;
    }
    for (const dir of [...this.live.keys()]) if (!seen.has(dir)) this.live.delete(dir);
    return { file: this.opts.file, results, live };
  }

  private schedule(): void {
    if (!this.ready || this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, this.opts.debounceMs ?? 150);
  }

  protected view(): ReproductionViewData | string {
    return this.build();
  }

  protected message(data: ReproductionViewData): HostToWebview {
    return { type: 'reproduction', protocol: WEBVIEW_PROTOCOL_VERSION, data };
  }

  override dispose(): void {
    super.dispose();
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    this.watcher?.close();
  }
}
