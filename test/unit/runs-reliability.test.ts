/**
 * Reliability of the run directory: atomic writes, whole-folder checkpoints, the run lease (liveness, never signalling
 * a process that is not our engine), validated reads (unreadable runs, skipped lines) and run id checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendRecord, writeFileAtomic } from '../../src/runs/atomic';
import { checkpointFolder, writeCheckpointFolder, type CheckpointMeta } from '../../src/runs/checkpoint-files';
import { checkRunId, runIdProblem } from '../../src/runs/ids';
import { currentLease, livenessNote, procStat, runLiveness, settleIfDead, settleRun, signalEngine, startHeartbeat, HEARTBEAT_FILE } from '../../src/runs/lease';
import { inspectRun, parseEvents, readEvents, readEventsReport, readRunInfo, scanRuns } from '../../src/runs/reader';
import type { RunInfo } from '../../src/runs/format';
import { RunWriter } from '../../src/runs/writer';
import { readCheckpoint } from '../../src/engine/checkpoint';
import { compareTable, runsCommand, trainCommand } from '../../src/cli/commands';
import { ProcessManager } from '../../src/extension/host/manager';
import { alive } from '../fixtures/processes';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-rel-'));

function baseInfo(id: string, over: Partial<RunInfo> = {}): RunInfo {
  const now = new Date().toISOString();
  return { formatVersion: 1, id, name: id, experiment: id, status: 'running', createdAt: now, startedAt: now, versions: { reclab: '0', node: process.version }, ...over };
}

function writeRun(runsDir: string, id: string, info: unknown): string {
  const dir = path.join(runsDir, id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), typeof info === 'string' ? info : JSON.stringify(info));
  return dir;
}

/** A live process that is not a RecLab engine. */
function sleeper(): ChildProcess {
  return spawn('sleep', ['300'], { stdio: 'ignore' });
}

test('writeFileAtomic replaces a file whole; a failed write leaves the old file and no temp file', () => {
  const dir = tmp();
  const f = path.join(dir, 'a.json');
  writeFileAtomic(f, '{"v":1}\n');
  writeFileAtomic(f, '{"v":2}\n');
  assert.equal(fs.readFileSync(f, 'utf8'), '{"v":2}\n');
  assert.deepEqual(fs.readdirSync(dir), ['a.json']);
  // a folder cannot be replaced by a file: the rename fails after the data was written
  fs.mkdirSync(path.join(dir, 'sub'));
  assert.throws(() => writeFileAtomic(path.join(dir, 'sub'), 'x'), /EISDIR|ENOTDIR|EEXIST|EPERM/);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.json', 'sub']);
});

test('appendRecord writes whole records', () => {
  const dir = tmp();
  const f = path.join(dir, 'm.jsonl');
  const fd = fs.openSync(f, 'a');
  appendRecord(fd, '{"t":1,"kind":"log","level":"info","message":"a"}\n');
  appendRecord(fd, '{"t":2,"kind":"log","level":"info","message":"b"}\n');
  fs.closeSync(fd);
  assert.equal(parseEvents(fs.readFileSync(f, 'utf8')).events.length, 2);
});

test('checkpoint folders are replaced whole; a kill mid-swap leaves the old copy readable; a failed write keeps the previous one', () => {
  const parent = path.join(tmp(), 'checkpoints');
  const meta = (epoch: number, rows = 2, dim = 3): CheckpointMeta => ({ epoch, users: rows, items: rows, dim, dtype: 'float32', layout: 'row-major' });
  const table = (v: number, n = 6) => new Uint8Array(new Float32Array(n).fill(v).buffer);
  writeCheckpointFolder(parent, 'best', { 'user.f32': table(1), 'item.f32': table(1) }, meta(1));
  writeCheckpointFolder(parent, 'best', { 'user.f32': table(2), 'item.f32': table(2) }, meta(2));
  assert.deepEqual(fs.readdirSync(parent), ['best']);
  const run = path.dirname(parent);
  assert.equal(readCheckpoint(run, 'best').users[0], 2);
  // a write that fails half-way (the second table cannot be created) keeps epoch 2 and leaves no temp folder
  assert.throws(() => writeCheckpointFolder(parent, 'best', { 'user.f32': table(3), 'no/such/item.f32': table(3) }, meta(3)), (e: Error & { checkpointFile?: string }) => e.checkpointFile === 'no/such/item.f32');
  assert.deepEqual(fs.readdirSync(parent), ['best']);
  assert.equal(readCheckpoint(run, 'best').users[0], 2);
  // the state a kill between the two renames leaves: only `.best.old`
  fs.renameSync(path.join(parent, 'best'), path.join(parent, '.best.old'));
  assert.equal(checkpointFolder(parent, 'best'), path.join(parent, '.best.old'));
  assert.equal(readCheckpoint(run, 'best').users[0], 2);
  // and the next write repairs it
  writeCheckpointFolder(parent, 'best', { 'user.f32': table(4), 'item.f32': table(4) }, meta(4));
  assert.deepEqual(fs.readdirSync(parent), ['best']);
  assert.equal(readCheckpoint(run, 'best').users[0], 4);
  // a truncated table is refused with its size, never read as data
  fs.truncateSync(path.join(parent, 'best', 'item.f32'), 5);
  assert.throws(() => readCheckpoint(run, 'best'), /item\.f32 has 5 bytes, expected 2×3 float32/);
});

test('run ids: one safe path segment', () => {
  for (const ok of ['20261122-103045-mf-bpr-3fa2', 'p1', 'A.b_c-9']) assert.equal(runIdProblem(ok), undefined, ok);
  for (const bad of ['../escaped', '..', '.', 'a/b', 'a\\b', '', '-x', '.hidden', 'a..b', 'x'.repeat(129), 'sp ace', 'nul\u0000']) {
    assert.ok(runIdProblem(bad), JSON.stringify(bad));
  }
  assert.throws(() => checkRunId('../escaped', '--id'), /--id: "\.\.\/escaped" is not a valid run id/);
  const runs = path.join(tmp(), 'runs');
  assert.throws(() => RunWriter.create(runs, { id: '../escaped', name: 'x', experiment: 'x', versions: { reclab: '0', node: 'x' } }, {}), /not a valid run id/);
  assert.equal(fs.existsSync(path.join(runs, '..', 'escaped')), false);
});

test('trainCommand refuses --id ../escaped before creating anything', async () => {
  const dir = tmp();
  const cfg = path.join(dir, 'x.reclab.json');
  fs.writeFileSync(cfg, JSON.stringify({ name: 'x', dataset: { kind: 'synthetic', users: 50, items: 40 } }));
  await assert.rejects(trainCommand(cfg, { runsDir: path.join(dir, 'runs'), runId: '../escaped' }), (e: Error) => e.name === 'ConfigError' && /--id: "\.\.\/escaped" is not a valid run id/.test(e.message));
  assert.equal(fs.existsSync(path.join(dir, 'escaped')), false);
  assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
});

test('corrupt run folders are listed as unreadable with the reason and never break runs/compare', () => {
  const runs = path.join(tmp(), 'runs');
  const good = RunWriter.create(runs, { id: 'good', name: 'good', experiment: 'good', versions: { reclab: '0', node: 'x' } }, {});
  good.end({ selectMetric: 'ndcg@20', selectSplit: 'test', epochsRun: 1, wallSeconds: 1, best: { 'ndcg@20': 0.1 } }, { t: Date.now(), kind: 'end', status: 'finished', epochs: 1, seconds: 1 }, { status: 'finished' });
  good.close();
  writeRun(runs, 'array', '[]');
  writeRun(runs, 'empty', '');
  writeRun(runs, 'truncated', JSON.stringify(baseInfo('truncated')).slice(0, 40));
  writeRun(runs, 'types', { ...baseInfo('types'), name: 7, status: 'running' });
  writeRun(runs, 'status', { ...baseInfo('status'), status: 'sleeping' });
  writeRun(runs, 'escape', baseInfo('../../outside'));
  writeRun(runs, 'nul', 'null');
  fs.mkdirSync(path.join(runs, 'not-a-run')); // an unrelated empty folder is not reported
  const { runs: ok, unreadable } = scanRuns(runs);
  assert.deepEqual(ok.map((r) => r.id), ['good']);
  const why = Object.fromEntries(unreadable.map((u) => [u.id, u.reason]));
  assert.deepEqual(Object.keys(why).sort(), ['array', 'empty', 'escape', 'nul', 'status', 'truncated', 'types']);
  assert.match(why.array!, /run\.json: expected an object, got an array/);
  assert.match(why.empty!, /run\.json is empty/);
  assert.match(why.truncated!, /run\.json is not valid JSON/);
  assert.match(why.types!, /\$\.name must be string/);
  assert.match(why.status!, /\$\.status must be one of "queued", "running"/);
  assert.match(why.escape!, /\$\.id: "\.\.\/\.\.\/outside" is not a valid run id/);
  const listing = runsCommand(runs);
  assert.match(listing, /^good +finished/m);
  assert.match(listing, /^array +unreadable/m);
  assert.match(listing, /array: unreadable — run\.json: expected an object, got an array/);
  const cmp = compareTable(['good', 'array', 'types'].map((n) => path.join(runs, n)));
  assert.match(cmp, /types: unreadable — run\.json: \$\.name must be string/);
  assert.match(cmp, /^good +finished/m);
});

test('torn and garbage metrics lines are counted, not silently dropped; a partial last line is not counted', () => {
  const runs = path.join(tmp(), 'runs');
  const w = RunWriter.create(runs, { id: 'm', name: 'm', experiment: 'm', versions: { reclab: '0', node: 'x' } }, {});
  w.append({ t: 1, kind: 'log', level: 'info', message: 'a' });
  fs.appendFileSync(path.join(w.dir, 'metrics.jsonl'), '{"t":2,"kind":"st\n\u0000\u0000garbage\n{"t":3,"kind":"nonsense"}\n');
  w.append({ t: 4, kind: 'log', level: 'info', message: 'b' });
  fs.appendFileSync(path.join(w.dir, 'metrics.jsonl'), '{"t":5,"kind":"lo');
  w.updateInfo({ status: 'finished' });
  w.close();
  const r = readEventsReport(w.dir);
  assert.equal(r.events.length, 2);
  assert.equal(r.skipped, 3);
  assert.match(compareTable([w.dir]), /m: 3 unreadable lines of metrics\.jsonl skipped/);
});

test('lease: our own process is alive; a dead pid, a reused pid and a reboot are dead; another host is remote', async () => {
  const runs = path.join(tmp(), 'runs');
  const lease = currentLease();
  assert.equal(lease.pid, process.pid);
  if (process.platform === 'linux') assert.equal(typeof lease.startTicks, 'number');
  const self = writeRun(runs, 'self', baseInfo('self', { pid: process.pid, lease }));
  assert.equal(runLiveness(self, readRunInfo(self)!).state, 'alive');
  // our own live process whose heartbeat stopped an hour ago: alive (never settled failed) but said not to respond
  const hour = new Date(Date.now() - 3600_000).toISOString();
  const hung = writeRun(runs, 'hung', baseInfo('hung', { pid: process.pid, lease: { ...lease, since: hour }, createdAt: hour, startedAt: hour, heartbeatAt: hour }));
  const h = runLiveness(hung, readRunInfo(hung)!);
  assert.deepEqual([h.state, h.state === 'alive' && h.stale], ['alive', true]);
  assert.match(livenessNote(h) ?? '', /^not responding: its engine process is alive but its last heartbeat was 60 min ago/);
  assert.equal(livenessNote(runLiveness(self, readRunInfo(self)!)), undefined, 'a fresh heartbeat needs no note');

  const s = sleeper();
  try {
    await new Promise((r) => s.once('spawn', r));
    // the sleep's pid with our lease's start time: a reused pid
    const reused = writeRun(runs, 'reused', baseInfo('reused', { pid: s.pid, lease: { ...lease, pid: s.pid! } }));
    const l = runLiveness(reused, readRunInfo(reused)!);
    assert.equal(l.state, 'dead');
    assert.match((l as { why: string }).why, /another program \(pid reused\)/);
    assert.equal(signalEngine(reused, 'SIGTERM'), false);
    // another host: never judged dead from here, never signalled
    const remote = writeRun(runs, 'remote', baseInfo('remote', { pid: s.pid, lease: { ...lease, pid: s.pid!, host: 'elsewhere.example' } }));
    assert.equal(runLiveness(remote, readRunInfo(remote)!).state, 'remote');
    assert.equal(signalEngine(remote, 'SIGKILL'), false);
    // a run.json without a lease (older engine, copied folder) whose pid is alive: unverifiable while fresh, never signalled
    const legacy = writeRun(runs, 'legacy', baseInfo('legacy', { pid: s.pid }));
    assert.equal(runLiveness(legacy, readRunInfo(legacy)!).state, 'unknown');
    assert.equal(signalEngine(legacy, 'SIGKILL'), false);
    const old = new Date(Date.now() - 3600_000).toISOString();
    const stale = writeRun(runs, 'stale', baseInfo('stale', { pid: s.pid, createdAt: old, startedAt: old, heartbeatAt: old }));
    assert.equal(runLiveness(stale, readRunInfo(stale)!).state, 'dead');
    const rebooted = writeRun(runs, 'rebooted', baseInfo('rebooted', { pid: process.pid, lease: { ...lease, bootId: 'another-boot' } }));
    if (lease.bootId) assert.equal(runLiveness(rebooted, readRunInfo(rebooted)!).state, 'dead');
    assert.ok(alive(s.pid!), 'the sleep process was never signalled');
  } finally {
    s.kill('SIGKILL');
  }
  // a scheduler's placeholder (queued, no engine yet, e.g. a Slurm job waiting for hours) is never judged dead
  const placeholder = writeRun(runs, 'placeholder', { ...baseInfo('placeholder', { status: 'queued', createdAt: new Date(Date.now() - 86400_000).toISOString() }), placeholder: true });
  assert.equal(runLiveness(placeholder, readRunInfo(placeholder)!).state, 'unknown');
  assert.equal(settleIfDead(placeholder, readRunInfo(placeholder)!).info.status, 'queued');
  const gone = writeRun(runs, 'gone', baseInfo('gone', { pid: 999_999_99, lease: { ...lease, pid: 999_999_99 } }));
  assert.equal(runLiveness(gone, readRunInfo(gone)!).state, 'dead');
});

test('a dead run is recorded failed once, with "no heartbeat since"; read-only callers do not write', () => {
  const runs = path.join(tmp(), 'runs');
  const dir = writeRun(runs, 'dead', baseInfo('dead', { pid: 999_999_99, lease: { ...currentLease(), pid: 999_999_99 }, progress: { epoch: 3, epochs: 10 } }));
  // what a kill mid-write leaves: a temp file of run.json, a checkpoint caught between its two renames
  fs.writeFileSync(path.join(dir, '.run.json.99999999.a1b2c3.tmp'), '{"half');
  const meta: CheckpointMeta = { epoch: 2, users: 1, items: 1, dim: 1, dtype: 'float32', layout: 'row-major' };
  writeCheckpointFolder(path.join(dir, 'checkpoints'), 'best', { 'user.f32': new Uint8Array(4), 'item.f32': new Uint8Array(4) }, meta);
  fs.renameSync(path.join(dir, 'checkpoints', 'best'), path.join(dir, 'checkpoints', '.best.old'));
  fs.mkdirSync(path.join(dir, 'checkpoints', '.best.new'));
  const before = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
  const ro = settleIfDead(dir, readRunInfo(dir)!, { write: false });
  assert.equal(ro.info.status, 'failed');
  assert.equal(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), before);
  assert.ok(fs.existsSync(path.join(dir, '.run.json.99999999.a1b2c3.tmp')), 'read-only callers clean nothing');
  const a = settleIfDead(dir, readRunInfo(dir)!);
  assert.equal(fs.existsSync(path.join(dir, '.run.json.99999999.a1b2c3.tmp')), false);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints')), ['best']);
  assert.equal(readCheckpoint(dir, 'best').nUsers, 1);
  assert.match(a.info.reason!, /^engine process died: no heartbeat since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(process 99999999 is gone\)$/);
  // a second observer (another window, the CLI) changes nothing
  settleRun(dir, 'failed', 'second observer');
  settleIfDead(dir, baseInfo('dead', { pid: 999_999_99 }));
  const info = readRunInfo(dir)!;
  assert.equal(info.status, 'failed');
  assert.match(info.reason!, /engine process died/);
  assert.equal(info.pid, undefined);
  const ends = readEvents(dir).filter((e) => e.kind === 'end');
  assert.equal(ends.length, 1);
  assert.equal((ends[0] as { epochs: number }).epochs, 3);
  assert.match(runsCommand(runs), /^dead +failed/m);
});

test('the writer keeps a heartbeat while it is open', async () => {
  const runs = path.join(tmp(), 'runs');
  const w = RunWriter.create(runs, { id: 'hb', name: 'hb', experiment: 'hb', versions: { reclab: '0', node: 'x' } }, {});
  const file = path.join(w.dir, HEARTBEAT_FILE);
  assert.ok(fs.existsSync(file));
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(file, past, past);
  const stop = startHeartbeat(w.dir, 20);
  try {
    for (let i = 0; i < 500 && fs.statSync(file).mtimeMs <= past.getTime() + 1000; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(fs.statSync(file).mtimeMs > past.getTime() + 1000);
  } finally {
    stop();
    w.close();
  }
  assert.equal(readRunInfo(w.dir)!.lease?.pid, process.pid);
  assert.ok(procStat(process.pid) || process.platform !== 'linux');
});

test('Stop and Stop All never signal a live process that is not our engine (a sleep pid in run.json)', async () => {
  const root = tmp();
  const runsDir = path.join(root, 'runs');
  const s = sleeper();
  await new Promise((r) => s.once('spawn', r));
  let exited = false;
  s.once('exit', () => (exited = true));
  const pm = new ProcessManager({ enginePath: path.join(root, 'none.js'), runsDir, concurrency: 1, stopTimeoutMs: 50, livenessMs: 20 });
  try {
    const leased = writeRun(runsDir, 'leased', baseInfo('leased', { pid: s.pid, lease: { ...currentLease(), pid: s.pid! } }));
    const bare = writeRun(runsDir, 'bare', baseInfo('bare', { pid: s.pid }));
    const remote = writeRun(runsDir, 'remote', baseInfo('remote', { pid: s.pid, lease: { ...currentLease(), pid: s.pid!, host: 'elsewhere.example' } }));
    for (const d of [leased, bare, remote]) {
      const r = inspectRun(d);
      assert.ok('record' in r);
      pm.attach(r.record);
    }
    // the leased one is proven dead (the pid belongs to `sleep`, started at another time): failed, not attached
    assert.equal(readRunInfo(leased)!.status, 'failed');
    assert.deepEqual(pm.active(), []);
    await pm.stop('bare');
    await pm.stop('remote');
    await pm.stopAll();
    // nothing was attached, so no stop was sent and no kill timer armed
    assert.deepEqual(pm.active(), []);
    assert.equal(exited, false);
    assert.ok(alive(s.pid!));
    assert.equal(readRunInfo(remote)!.status, 'running');
  } finally {
    pm.dispose();
    s.kill('SIGKILL');
  }
});

test('Restricted Mode: the package declares limited support; a read-only manager never starts or attaches', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(process.env.RECLAB_ROOT ?? process.cwd(), 'package.json'), 'utf8'));
  assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['reclab.runsDirectory']);
  const root = tmp();
  const runsDir = path.join(root, 'runs');
  const pm = new ProcessManager({ enginePath: path.join(root, 'none.js'), runsDir, concurrency: 1, stopTimeoutMs: 50, readOnly: true });
  try {
    assert.throws(() => pm.enqueue({ configPath: path.join(root, 'x.reclab.json'), overrides: [], label: 'x' }), /Restricted Mode/);
    const self = writeRun(runsDir, 'self', baseInfo('self', { pid: process.pid, lease: currentLease() }));
    const r = inspectRun(self);
    assert.ok('record' in r);
    pm.attach(r.record); // our own, verifiably live process: still not attached in Restricted Mode
    assert.deepEqual(pm.active(), []);
    assert.deepEqual(pm.queued(), []);
  } finally {
    pm.dispose();
  }
});
