/**
 * Sweeps driven the way the extension drives them (src/scale/driver.ts): each trial its own detached `reclab trial`
 * process, the state in the record file. The resume test kills the driving process (SIGKILL, as a window reload kills
 * the extension host) while trials run, then a new driver finds the orphaned sweep and finishes it: trials still
 * running in their own processes are adopted (not run twice), the rest are run, the search ends at its budget.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readConfigFile } from '../../src/cli/commands';
import { readRun } from '../../src/runs/reader';
import { readSweep } from '../../src/runs/records';
import { createSweep } from '../../src/scale/sweep';
import { driveSweep, orphanedSweeps } from '../../src/scale/driver';

const ROOT = process.env.RECLAB_ROOT ?? process.cwd();
const CLI = path.join(ROOT, 'dist/cli.js');
const CONFIG = path.join(ROOT, 'test/fixtures/sweep/tiny-search.reclab.json');

// the driving process of the resume test: this file forked with DRIVE_SWEEP=<file>
if (process.env.DRIVE_SWEEP) {
  void driveSweep(process.env.DRIVE_SWEEP, 'vscode', { cliPath: CLI, parallel: 2 }).then(() => process.exit(0));
} else {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const newSweep = () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-driver-'));
    dirs.push(runsDir);
    const l = readConfigFile(CONFIG);
    return createSweep({ raw: l.raw, baseDir: l.baseDir, configPath: l.path, runsDir }).file;
  };
  const waitFor = async (what: string, cond: () => boolean, timeoutMs = 120_000) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('a driven sweep runs every trial in its own process, two at a time, and ASHA stops some', async () => {
    const file = newSweep();
    const r = (await driveSweep(file, 'vscode', { cliPath: CLI, parallel: 2 }))!;
    assert.equal(r.status, 'finished');
    assert.equal(r.trials.length, 12);
    for (const t of r.trials) assert.ok(['finished', 'stopped', 'failed'].includes(t.status), `trial ${t.index}: ${t.status}`);
    assert.ok(r.trials.some((t) => t.pruned), 'ASHA pruned trials');
    const failed = r.trials.filter((t) => t.status === 'failed');
    assert.deepEqual(failed.map((t) => t.point['loss.kind']), failed.map(() => 'no-such-loss'), 'only the invalid point fails');
    for (const t of r.trials.filter((x) => x.runId)) {
      const run = readRun(path.join(path.dirname(file), t.runId!))!;
      assert.equal(run.info.status, t.status, `trial ${t.index}`);
      assert.notEqual(run.info.pid, process.pid, 'each trial ran in its own process');
      assert.deepEqual(run.info.sweep, { id: r.id, trial: t.index });
    }
    assert.equal(orphanedSweeps(path.dirname(file)).length, 0, 'a finished sweep is not resumed');
  });

  test('resume: the driver is killed mid-sweep; a new driver adopts the running trials and finishes the search', async () => {
    const file = newSweep();
    const child = fork(process.argv[1], [], { env: { ...process.env, DRIVE_SWEEP: file }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // kill it while it has trials out (its own children keep running: they are detached)
    await waitFor('three trials handed out', () => (readSweep(file)?.trials.filter((t) => t.status !== 'pending').length ?? 0) >= 3);
    child.kill('SIGKILL');
    await exited;
    const left = readSweep(file)!;
    assert.equal(left.status, 'running', 'the record still says running');
    const before = left.trials.length;
    assert.ok(before < 12, `${before} trials before the kill`);
    await waitFor('the orphaned sweep to be found', () => orphanedSweeps(path.dirname(file)).some((s) => s.id === left.id), 10_000);
    const r = (await driveSweep(file, 'vscode', { cliPath: CLI, parallel: 2 }))!;
    assert.equal(r.status, 'finished');
    assert.equal(r.trials.length, 12, 'the search went on to its budget');
    for (const t of r.trials) assert.ok(['finished', 'stopped', 'failed'].includes(t.status), `trial ${t.index}: ${t.status}`);
    // nothing ran twice unless its process was gone (a resume decision): per trial, one run folder + one per re-run
    const runs = fs.readdirSync(path.dirname(file)).map((f) => readRun(path.join(path.dirname(file), f))).filter((x) => x?.info.sweep);
    for (const t of r.trials) {
      const mine = runs.filter((x) => x!.info.sweep!.trial === t.index);
      const reruns = r.decisions.filter((d) => d.kind === 'resume' && d.trial === t.index).length;
      assert.ok(mine.length <= (t.runId ? 1 : 0) + reruns, `trial ${t.index}: ${mine.length} run folders, ${reruns} re-runs`);
      if (t.runId) assert.ok(mine.some((x) => x!.id === t.runId), `trial ${t.index}: its run folder`);
    }
    assert.equal(orphanedSweeps(path.dirname(file)).length, 0);
  });
}
