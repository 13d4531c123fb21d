/**
 * `reclab` — train, sweep, evaluate and compare recommenders from a terminal.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../engine/config/validate';
import { ConsoleReporter, fmtDuration } from './console-reporter';
import { compareTable, datasetStatsCommand, estimateCommand, evalCommand, loadConfig, parsePoint, runsCommand, schemaCommand, sweepCommand, trainCommand } from './commands';
import { withInterrupt } from './interrupt';
import { safeMessage } from '../engine/text/quote';
import { VERSION } from '../version';

const USAGE = `reclab ${VERSION} — train and compare implicit-feedback recommenders

usage:
  reclab train <config.reclab.json> [--runs-dir D] [--id ID] [--set path=value …] [--point JSON] [--quiet]
  reclab sweep <config.reclab.json> [--runs-dir D] [--set path=value …]
  reclab eval <run-dir> [--last]
  reclab compare <run-dir …>
  reclab runs [--runs-dir D]
  reclab datasets stats <config.reclab.json> [--set path=value …]
  reclab estimate <config.reclab.json> [--set path=value …]   memory the run needs, part by part
  reclab schema [--out file.json | --markdown file.md]

Ctrl-C stops a run gracefully (it is marked "stopped" and keeps its metrics); a second Ctrl-C exits at once (the run
is still recorded as stopped). Exit status: 0 finished or stopped, 1 the run failed, 2 bad input (config, data,
paths, a run too big for this machine's memory), 130 interrupted before a run started.`;

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
      if (rest.length !== 1) throw new ConfigError('sweep takes one config file');
      const stop = withInterrupt();
      let reporter: ConsoleReporter | null = null;
      const { results } = await sweepCommand(rest[0], {
        runsDir, overrides, signal: stop.signal,
        onRunStart: (i, n, point) => {
          console.log(`\n── sweep point ${i + 1}/${n}: ${Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
          reporter = null;
        },
        onEvent: (e) => {
          if (e.kind === 'start') reporter = new ConsoleReporter(process.stdout, 'ndcg@20', values.quiet);
          reporter?.handle(e);
        },
        onCreated: (_id, dir) => stop.setRun(dir),
      }).catch((e) => {
        if (stop.signal.aborted && !(e instanceof Error)) throw new InterruptedError(`${stop.signal.reason}: stopped while loading the dataset`);
        throw e;
      });
      console.log('\n' + compareTable(results.map((r) => r.runDir)));
      return results.some((r) => r.status === 'failed') ? 1 : 0;
    }
    case 'eval': {
      if (rest.length !== 1) throw new ConfigError('eval takes one run directory');
      const m = await evalCommand(path.resolve(rest[0]), values.last ? 'last' : 'best');
      for (const [k, v] of Object.entries(m)) console.log(`${k.padEnd(14)} ${v.toFixed(5)}`);
      return 0;
    }
    case 'compare':
      console.log(compareTable(rest.map((d) => path.resolve(d))));
      return 0;
    case 'runs':
      console.log(runsCommand(runsDir));
      return 0;
    case 'datasets':
      if (rest[0] !== 'stats' || rest.length !== 2) throw new ConfigError('usage: reclab datasets stats <config>');
      console.log(await datasetStatsCommand(rest[1], overrides));
      return 0;
    case 'estimate': {
      if (rest.length !== 1) throw new ConfigError('usage: reclab estimate <config>');
      const r = await estimateCommand(rest[0], overrides);
      console.log(r.text);
      return 0;
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
    console.error(isInputError(err) || usage ? safeMessage(err.message) : `error: ${safeMessage(err.message)}${process.env.RECLAB_DEBUG ? '' : ' (RECLAB_DEBUG=1 shows where)'}`);
    if (process.env.RECLAB_DEBUG) console.error(err.stack);
    process.exit(isInputError(err) || usage ? 2 : 1);
  },
);
