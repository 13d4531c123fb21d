/**
 * `reclab` — train, sweep, evaluate and compare recommenders from a terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, resolveSweep } from '../engine/config/validate';
import { ConsoleReporter, fmtDuration } from './console-reporter';
import { compareTable, datasetStatsCommand, estimateCommand, evalCommand, loadConfig, parsePoint, runsCommand, schemaCommand, trainCommand } from './commands';
import { withInterrupt } from './interrupt';
import { safeMessage } from '../engine/text/quote';
import { estimateMemory } from '../engine/estimate';
import { TimeEstimates } from '../engine/estimate-time';
import { setMemoryEstimator, setTimeEstimator } from '../scale/executors/slurm';
import { VERSION } from '../version';
import { reproduceCommand } from './reproduce';
import { datasetsFetchCommand, datasetsListCommand, datasetsPathCommand, datasetsVerifyCommand } from './datasets';
import { cancelCommand, compareCommand, groupsCommand, resolveSweepFile, sweepShowText, sweepsCommand } from './scale-commands';
import { groupSeeds, trainGroup } from '../scale/group';
import { createSweep } from '../scale/sweep';
import { runSweep } from '../scale/launch';
import { runTrial } from '../scale/trial';
import { readConfigFile } from './commands';
import { readSweep } from '../runs/records';
import type { ExecutorConfig } from '../engine/config/types';

// Slurm's --mem from the memory estimate when the dataset's size is known from the config (synthetic data)
setMemoryEstimator((c) => {
  const e = estimateMemory(c);
  return e.exactShape ? e.total / 2 ** 20 : undefined;
});
// … and --time from the time estimate: each distinct config shape of a sweep measured once (up to 10 steps or 3 s of
// steps, and one evaluation block), on this machine, with the executor's cpus as threads when train.threads is 0
const times = new TimeEstimates({ steps: 10, maxSeconds: 3 });
setTimeEstimator(async (c, baseDir, o) => {
  const e = await times.estimate(c, baseDir, o);
  return { seconds: e.totalSeconds, key: e.key };
});

const USAGE = `reclab ${VERSION} — train and compare implicit-feedback recommenders

usage:
  reclab train <config.reclab.json> [--runs-dir D] [--id ID] [--set path=value …] [--point JSON] [--quiet]
  reclab sweep <config.reclab.json> [--runs-dir D] [--set path=value …]
  reclab eval <run-dir> [--last]
  reclab train <config> --seeds N          a seed group (also: "repeat": {"seeds": […]} in the config)
  reclab sweep <config> [--executor local|slurm] | reclab sweep --resume <sweep-id>
  reclab sweeps | reclab sweep-show <sweep-id> | reclab cancel <sweep-id> <trial>
  reclab compare <run-dir|run-id|group-id …> [--test] [--metrics recall@20,ndcg@20]
  reclab groups [--runs-dir D]
  reclab runs [--runs-dir D]
  reclab datasets stats <config.reclab.json> [--set path=value …]
  reclab datasets list | fetch NAME [--from URL|DIR] [--timeout S] | verify NAME | path NAME
  reclab reproduce <suite.json> [--rows a,b] [--executor local|slurm] [--parallel N] [--runs-dir D] [--out DIR] [--set path=value …]
                                           rows as "reclab train" children (local, --parallel at once) or Slurm jobs
  reclab estimate <config.reclab.json> [--steps N] [--set path=value …]
                                           memory the run needs, part by part, and its time from N measured
                                           steps (default 10, at most ~5 s; 0: memory only) and one evaluation block
  reclab schema [--out file.json | --markdown file.md]

Ctrl-C stops a run gracefully (it is marked "stopped" and keeps its metrics); a second Ctrl-C exits at once (the run
is still recorded as stopped). Exit status: 0 finished or stopped, 1 the run failed, 2 bad input (config, data,
paths, a run too big for this machine's memory), 130 interrupted before a run started. On "reclab reproduce --executor
slurm", Ctrl-C cancels (scancel) the jobs that command submitted, and nothing else.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'runs-dir': { type: 'string', default: 'runs' },
      id: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      point: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      last: { type: 'boolean', default: false },
      out: { type: 'string' },
      markdown: { type: 'string' },
      from: { type: 'string' },
      timeout: { type: 'string' },
      rows: { type: 'string' },
      seeds: { type: 'string' },
      test: { type: 'boolean', default: false },
      metrics: { type: 'string', default: 'recall@20,ndcg@20' },
      resume: { type: 'string' },
      executor: { type: 'string' },
      parallel: { type: 'string' },
      steps: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  if (values.help || !cmd) {
    console.log(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  const runsDir = path.resolve(values['runs-dir']!);
  const overrides = values.set ?? [];
  switch (cmd) {
    case 'train': {
      if (rest.length !== 1) throw new ConfigError('train takes one config file');
      const loadedRaw = readConfigFile(rest[0], overrides);
      const seeds = groupSeeds(loadedRaw.raw, values.seeds !== undefined ? Number(values.seeds) : undefined);
      if (seeds) {
        const ac = withInterrupt();
        let reporter: ConsoleReporter | null = null;
        const { group, results } = await trainGroup({
          raw: loadedRaw.raw, baseDir: loadedRaw.baseDir, configPath: loadedRaw.path, runsDir, seeds, signal: ac.signal,
          onRunStart: (i, n, seed) => console.log(`\n── seed ${seed} (${i + 1}/${n})`),
          onEvent: (e) => {
            if (e.kind === 'start') reporter = new ConsoleReporter(process.stdout, 'ndcg@20', values.quiet);
            reporter?.handle(e);
          },
        });
        console.log('\n' + compareCommand([group.id], runsDir, false, []));
        console.log(`group: ${group.id} (${runsDir}/${group.id}.group.json)`);
        return results.some((r) => r.status === 'failed') ? 1 : 0;
      }
      const { config } = loadConfig(rest[0], overrides);
      const reporter = new ConsoleReporter(process.stdout, config.eval.selectMetric, values.quiet);
      const stop = withInterrupt();
      let runDir: string | null = null;
      let r: Awaited<ReturnType<typeof trainCommand>>;
      try {
        r = await trainCommand(rest[0], {
          runsDir, runId: values.id, overrides, sweepPoint: values.point ? parsePoint(values.point) : undefined, signal: stop.signal,
          onEvent: (e) => reporter.handle(e), loadFirst: true,
          onLoadProgress: (f, m) => reporter.handle({ t: Date.now(), kind: 'phase', phase: 'load', progress: f, message: m }),
          onCreated: (_id, dir) => {
            runDir = dir;
            stop.setRun(dir);
          },
        });
      } catch (e) {
        reporter.handle({ t: Date.now(), kind: 'end', status: 'failed', epochs: 0, seconds: 0 }); // clears a progress line
        if (!runDir && stop.signal.aborted) {
          console.error(`${stop.signal.reason}: stopped while loading the dataset; no run was created`);
          return 130;
        }
        const res = (e as Error & { result?: { runDir: string } }).result;
        if (!res) throw e;
        // the run folder exists and records the failure: one message, with where to look
        console.error(`run failed: ${safeMessage((e as Error).message)}\n  run directory: ${res.runDir}`);
        return isInputError(e) ? 2 : 1;
      } finally {
        stop.setRun(null);
      }
      const s = r.summary;
      console.log(`\n${r.status} after ${s.epochsRun} epochs in ${fmtDuration(s.wallSeconds)}${r.reason ? ` (${r.reason})` : ''}`);
      if (s.best) {
        console.log(`best ${s.selectMetric} on ${s.selectSplit === 'test' ? 'test (papers\' protocol)' : 'validation'}: ${s.best[s.selectMetric].toFixed(4)} at epoch ${s.bestEpoch}`);
        const t = s.bestTest;
        if (t) console.log('test at best: ' + Object.entries(t).filter(([k]) => /@20$/.test(k)).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' · '));
      }
      console.log(`run directory: ${r.runDir}`);
      return r.status === 'failed' ? 1 : 0;
    }
    case 'sweep': {
      // every sweep has a record in the runs folder (resumable); the executor runs its trials
      {
        if (!values.resume && rest.length !== 1) throw new ConfigError('sweep takes one config file (or --resume <sweep-id>)');
        let file: string;
        if (values.resume) file = resolveSweepFile(values.resume, runsDir);
        else {
          const l = readConfigFile(rest[0], overrides);
          // a plain grid ($.sweep, no $.search): every point validated before the sweep is created (paths, values)
          if (l.raw.sweep !== undefined && l.raw.search === undefined) {
            try {
              resolveSweep(l.raw);
            } catch (e) {
              if (e instanceof ConfigError) throw new ConfigError(`${safeMessage(rest[0], 300)}: ${e.message}`, e.problems);
              throw e;
            }
          }
          const exec = values.executor ? { ...((l.raw.executor as ExecutorConfig | undefined) ?? {}), kind: values.executor as ExecutorConfig['kind'] } : undefined;
          file = createSweep({ raw: l.raw, baseDir: l.baseDir, configPath: l.path, runsDir, executor: exec }).file;
        }
        console.log(`sweep ${readSweep(file)!.id} (${file})`);
        const ac = withInterrupt();
        let reporter: ConsoleReporter | null = null;
        const record = await runSweep(file, {
          signal: ac.signal,
          onMessage: (m) => console.log(m),
          onTrialStart: (t) => console.log(`\n── trial ${t.index}: ${Object.entries(t.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`),
          onEvent: (e) => {
            if (e.kind === 'start') reporter = new ConsoleReporter(process.stdout, 'ndcg@20', values.quiet);
            reporter?.handle(e);
          },
        });
        console.log('\n' + sweepShowText(record));
        const runDirs = record.trials.filter((t) => t.runId && isRunDir(path.join(runsDir, t.runId))).map((t) => path.join(runsDir, t.runId!));
        if (runDirs.length) console.log('\n' + compareTable(runDirs));
        return record.trials.some((t) => t.status === 'failed') ? 1 : 0;
      }
    }
    case 'eval': {
      if (rest.length !== 1) throw new ConfigError('eval takes one run directory');
      const m = await evalCommand(path.resolve(rest[0]), values.last ? 'last' : 'best');
      for (const [k, v] of Object.entries(m)) console.log(`${k.padEnd(14)} ${v.toFixed(5)}`);
      return 0;
    }
    case 'compare':
      console.log(values.test || rest.some((a) => !isRunDir(a)) ? compareCommand(rest, runsDir, values.test, values.metrics!.split(',').map((m) => m.trim()).filter(Boolean)) : compareTable(rest.map((d) => path.resolve(d))));
      return 0;
    case 'groups':
      console.log(groupsCommand(runsDir));
      return 0;
    case 'sweeps':
      console.log(sweepsCommand(runsDir));
      return 0;
    case 'sweep-show':
      if (rest.length !== 1) throw new ConfigError('usage: reclab sweep-show <sweep-id>');
      console.log(sweepShowText(readSweep(resolveSweepFile(rest[0], runsDir))!));
      return 0;
    case 'cancel':
      if (rest.length !== 2) throw new ConfigError('usage: reclab cancel <sweep-id> <trial>');
      console.log(await cancelCommand(runsDir, rest[0], rest[1]));
      return 0;
    case 'trial': {
      // one trial of a sweep: what a Slurm array task runs (the task id is the trial index)
      if (rest.length !== 2) throw new ConfigError('usage: reclab trial <sweep.json> <index>');
      const ac = withInterrupt();
      const job = process.env.SLURM_ARRAY_JOB_ID ? { executor: 'slurm', id: `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` } : undefined;
      const r = await runTrial(path.resolve(rest[0]), Number(rest[1]), { signal: ac.signal, job });
      console.log(`trial ${rest[1]}: ${r.status}${r.reason ? ` (${r.reason})` : ''} — ${r.runDir}`);
      return r.status === 'failed' ? 1 : 0;
    }
    case 'runs':
      console.log(runsCommand(runsDir));
      return 0;
    case 'datasets':
      if (rest[0] === 'list' && rest.length === 1) {
        console.log(datasetsListCommand());
        return 0;
      }
      if (['fetch', 'verify', 'path'].includes(rest[0]) && rest.length === 2) {
        if (rest[0] === 'fetch') {
          const ac = withInterrupt();
          console.log(await datasetsFetchCommand(rest[1], { from: values.from, signal: ac.signal, timeoutSeconds: values.timeout ? Number(values.timeout) : undefined }));
        } else console.log(rest[0] === 'verify' ? await datasetsVerifyCommand(rest[1]) : datasetsPathCommand(rest[1]));
        return 0;
      }
      if (rest[0] !== 'stats' || rest.length !== 2) throw new ConfigError('usage: reclab datasets stats <config> | list | fetch NAME [--from URL|DIR] | verify NAME | path NAME');
      console.log(await datasetStatsCommand(rest[1], overrides));
      return 0;
    case 'estimate': {
      if (rest.length !== 1) throw new ConfigError('usage: reclab estimate <config> [--steps N]');
      const steps = values.steps === undefined ? undefined : Number(values.steps);
      if (steps !== undefined && !(Number.isInteger(steps) && steps >= 0)) throw new ConfigError(`--steps: expected a whole number ≥ 0, got "${safeMessage(values.steps!, 40)}"`);
      const stop = withInterrupt();
      try {
        let shown = '';
        const r = await estimateCommand(rest[0], overrides, stop.signal, {
          steps,
          onMemory: (text) => {
            shown = text;
            console.log(text);
            if (steps !== 0) console.log('measuring the time (a few training steps and one evaluation block; Ctrl-C stops)…');
          },
        });
        const time = r.text.slice(shown.length).replace(/^\n/, '');
        if (time) console.log(time);
      } catch (e) {
        if (!stop.signal.aborted) throw e;
        console.error(`estimate stopped (${stop.signal.reason}); nothing was written`);
        return 130;
      }
      return 0;
    }
    case 'reproduce': {
      if (rest.length !== 1) throw new ConfigError('reproduce takes one suite file');
      const ac = withInterrupt();
      const outDir = path.resolve(values.out ?? 'reproductions');
      if (values.executor && !['local', 'slurm'].includes(values.executor)) throw new ConfigError(`--executor: expected local or slurm, got "${safeMessage(values.executor, 40)}"`);
      const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
      const r = await reproduceCommand(rest[0], { rows: values.rows, runsDir, outDir, overrides, signal: ac.signal, executor: values.executor, parallel });
      console.log('\n' + r.text);
      console.log(`\nresults: ${r.files.json}\n         ${r.files.markdown}\n         ${r.files.csv}`);
      return r.ran.some((x) => x.status === 'failed') ? 1 : 0;
    }
    case 'schema': {
      const text = schemaCommand(values.out ?? values.markdown, Boolean(values.markdown));
      if (!values.out && !values.markdown) process.stdout.write(text);
      return 0;
    }
    default:
      console.error(`unknown command "${safeMessage(cmd, 80)}"\n\n${USAGE}`);
      return 2;
  }
}

/** Errors in what the user gave (config, data, paths, sizes): exit status 2, the message alone. */
const INPUT_ERRORS = new Set(['ConfigError', 'DatasetError', 'SystemError', 'MemoryLimitError']);
function isInputError(e: unknown): boolean {
  return e instanceof ConfigError || INPUT_ERRORS.has((e as Error)?.name);
}

class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

function isRunDir(arg: string): boolean {
  return fs.existsSync(path.join(path.resolve(arg), 'run.json'));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    if (err instanceof InterruptedError) {
      console.error(safeMessage(err.message));
      process.exit(130);
    }
    // parseArgs rejects unknown options and missing values with a TypeError carrying an ERR_PARSE_ARGS_* code
    const usage = /^ERR_PARSE_ARGS_/.test(String((err as NodeJS.ErrnoException).code));
    const plain = isInputError(err) || usage || ['ChecksumError', 'DownloadError', 'SuiteError'].includes(err.name);
    console.error(plain ? safeMessage(err.message) : `error: ${safeMessage(err.message)}${process.env.RECLAB_DEBUG ? '' : ' (RECLAB_DEBUG=1 shows where)'}`);
    if (process.env.RECLAB_DEBUG) console.error(err.stack);
    process.exit(isInputError(err) || usage ? 2 : 1);
  },
);
