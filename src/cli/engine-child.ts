/**
 * Entry of the engine child process (dist/engine.js), forked by the extension host:
 *   fork(dist/engine.js, ['train', <config>, '--runs-dir', D, '--id', ID, '--set', 'k=v', …], { stdio: [..., 'ipc'] })
 * Streams EngineToHost messages over IPC while writing the run directory; `{type:'stop'}`, SIGTERM or SIGINT stop
 * gracefully (the run is marked stopped). Exit code 0 finished/stopped, 1 failed, 2 invalid config.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineToHost, HostToEngine } from '../protocol/events';
import { trainCommand } from './commands';
import { ConfigError } from '../engine/config/validate';
import { safeMessage } from '../engine/text/quote';
import { parsePoint } from './commands';

// A parent that goes away (window reload) must not crash a run: sends after disconnect fail asynchronously with
// EPIPE, so every send gets a callback that swallows the error and the channel's own 'error' event is handled.
process.on('error', () => undefined);
const send = (m: EngineToHost): void => {
  if (process.send && process.connected) process.send(m, undefined, {}, () => undefined);
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { 'runs-dir': { type: 'string', default: 'runs' }, id: { type: 'string' }, set: { type: 'string', multiple: true, default: [] }, point: { type: 'string' } },
  });
  const [cmd, config] = positionals;
  if (cmd !== 'train' || !config) throw new ConfigError('usage: engine train <config> [--runs-dir D] [--id ID] [--set k=v …]');
  const ac = new AbortController();
  process.on('message', (m: HostToEngine) => {
    if (m?.type === 'stop') ac.abort(m.reason ?? 'stopped by user');
  });
  process.on('SIGTERM', () => ac.abort('stopped (SIGTERM)'));
  process.on('SIGINT', () => ac.abort('stopped (SIGINT)'));
  process.on('disconnect', () => undefined); // keep training when the window reloads; the run directory is the truth
  let runId = values.id ?? '';
  const r = await trainCommand(config, {
    runsDir: path.resolve(values['runs-dir']!),
    runId: values.id,
    overrides: values.set,
    sweepPoint: values.point ? parsePoint(values.point) : undefined,
    signal: ac.signal,
    onCreated: (id, dir) => {
      runId = id;
      send({ type: 'started', runId: id, runDir: dir, pid: process.pid });
    },
    onEvent: (event) => send({ type: 'event', runId, event }),
  });
  return r.status === 'failed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    // bad input (config, data, paths, memory) is the message alone, escaped; anything else keeps its stack for the log
    const input = e instanceof ConfigError || ['DatasetError', 'SystemError', 'MemoryLimitError'].includes(e?.name);
    process.stderr.write(`${input ? safeMessage(e.message) : e.stack ?? e.message}\n`);
    process.exit(input ? 2 : 1);
  },
);
