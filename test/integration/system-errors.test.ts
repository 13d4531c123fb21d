/**
 * System errors for real (docs/reliability.md, "System errors in words"): the real CLI (dist/cli.js) as a child
 * process against folders and files it may not use — and each message says what RecLab was trying to do, on which
 * path, and why, with exit status 2 (bad input) or 1 (a run that failed), no stack trace, nothing left behind.
 *
 * Permissions are real: root ignores file modes, so when the tests run as root (as in this project's CI container)
 * the CLI runs as the unprivileged user nobody (uid 65534) through util-linux's `setpriv`; run by an ordinary user,
 * the CLI runs as that user. EROFS is a real read-only file system: a tmpfs mounted `ro`, and a read-only bind mount
 * put over a run folder under a running training (mounting needs root; those two tests are skipped, saying so, without it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** How the CLI is run unprivileged: as nobody through setpriv when we are root, as ourselves otherwise. */
function unprivileged(): string[] | undefined {
  if (!isRoot) return [];
  const r = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'true'], { encoding: 'utf8' });
  return r.status === 0 ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : undefined;
}
const drop = unprivileged();

interface Result { status: number | null; stdout: string; stderr: string }

/** Runs the CLI in `cwd`, unprivileged when `asUser` (the default). */
function reclab(cwd: string, args: string[], asUser = true): Result {
  const argv = asUser && drop ? [...drop, process.execPath, cli, ...args] : [process.execPath, cli, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, HOME: cwd, RECLAB_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One clear message: the expected text, exit status, nothing on stdout, no stack trace, no raw errno text. */
function assertMessage(r: Result, status: number, expected: string, what: string): void {
  assert.equal(r.status, status, `${what}: exit status ${r.status}, stderr: ${r.stderr}`);
  assert.equal(r.stderr.trim(), expected, `${what}: the message`);
  assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  assert.doesNotMatch(r.stderr, /\n\s+at |EACCES:|EROFS:|EEXIST:|ENOTDIR:/, `${what}: no stack trace or raw system error`);
}

const config = {
  name: 'syserr',
  dataset: { kind: 'synthetic', users: 60, items: 50, interactionsPerUser: 6 },
  model: { dim: 8 },
  train: { epochs: 1, batchSize: 64 },
  eval: { ks: [20] },
};

/** A workspace every user may read and enter: a config, a small csv dataset and its config. */
function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-syserr-'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'exp.reclab.json'), JSON.stringify(config, null, 2));
  const lines = ['user,item'];
  for (let u = 0; u < 30; u++) for (let k = 0; k < 6; k++) lines.push(`${u},${(u * 7 + k * 5) % 40}`);
  fs.writeFileSync(path.join(dir, 'data.csv'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'csv.reclab.json'), JSON.stringify({ ...config, dataset: { kind: 'csv', path: 'data.csv' }, split: { method: 'ratio' } }, null, 2));
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  return dir;
}

/** A folder the unprivileged user may write (for runs that must get as far as the dataset). */
function writableFolder(dir: string, name: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(p);
  fs.chmodSync(p, 0o777);
  return p;
}

const cleanup = (dir: string) => {
  spawnSync('chmod', ['-R', 'u+rwX', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
};

test('EACCES: a read-only runs folder, a runs folder under one, an unreadable dataset or config — each says what RecLab was doing', (t) => {
  if (!drop) return t.skip('running as root and `setpriv` (util-linux) is missing: cannot run the CLI unprivileged');
  const dir = workspace();
  try {
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    fs.chmodSync(ro, 0o555);
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'ro']), 2,
      `cannot create a run in the runs folder ${ro}: permission denied (use --runs-dir to choose a writable folder)`, 'read-only runs folder');
    assert.deepEqual(fs.readdirSync(ro), [], 'nothing written into the read-only folder');

    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'ro/sub']), 2,
      `cannot create a run in the runs folder ${path.join(ro, 'sub')}: permission denied (use --runs-dir to choose a writable folder)`, 'runs folder under a read-only folder');

    // the dataset: checked before the run folder is created, so nothing is left in the (writable) runs folder
    const runs = writableFolder(dir, 'runs');
    fs.chmodSync(path.join(dir, 'data.csv'), 0o000);
    assertMessage(reclab(dir, ['train', 'csv.reclab.json', '--runs-dir', 'runs']), 2, 'data.csv: cannot read the file (permission denied)', 'unreadable dataset');
    fs.chmodSync(path.join(dir, 'data.csv'), 0o644);
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed);
    fs.copyFileSync(path.join(dir, 'data.csv'), path.join(closed, 'data.csv'));
    fs.chmodSync(closed, 0o700);
    fs.writeFileSync(path.join(dir, 'closed.reclab.json'), JSON.stringify({ ...config, dataset: { kind: 'csv', path: 'closed/data.csv' }, split: { method: 'ratio' } }));
    fs.chmodSync(path.join(dir, 'closed.reclab.json'), 0o644);
    assertMessage(reclab(dir, ['train', 'closed.reclab.json', '--runs-dir', 'runs']), 2, 'closed/data.csv: cannot read the file (permission denied)', 'dataset in a folder the user may not enter');
    assert.deepEqual(fs.readdirSync(runs), [], 'no run folder for a dataset that cannot be read');

    fs.chmodSync(path.join(dir, 'exp.reclab.json'), 0o600);
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'runs']), 2, 'exp.reclab.json: cannot read the config file: permission denied', 'unreadable config');
    fs.chmodSync(path.join(dir, 'exp.reclab.json'), 0o644);

    // and with everything readable the same user trains (the denials above were the permissions, nothing else)
    const ok = reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'runs', '--id', 'fine', '--quiet']);
    assert.equal(ok.status, 0, ok.stderr);
    if (isRoot) assert.equal(fs.statSync(path.join(runs, 'fine', 'run.json')).uid, NOBODY, 'the run was written by the unprivileged user');
  } finally {
    cleanup(dir);
  }
});

test('EEXIST / ENOTDIR: a runs folder that is a file, or under a file — for train and for runs', () => {
  const dir = workspace();
  try {
    const file = path.join(dir, 'afile');
    fs.writeFileSync(file, 'not a folder\n');
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'afile'], false), 2,
      `cannot create the runs folder ${file}: ${file} is a file, not a folder (use --runs-dir to choose another folder)`, 'runs folder is a file (EEXIST)');
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'afile/inner'], false), 2,
      `cannot create the runs folder ${path.join(file, 'inner')}: ${file} is a file, not a folder (use --runs-dir to choose another folder)`, 'runs folder under a file (ENOTDIR)');
    // listing used to print an empty table, as if there were no runs
    assertMessage(reclab(dir, ['runs', '--runs-dir', 'afile'], false), 2,
      `cannot list the runs folder ${file}: it is a file, not a folder (ENOTDIR)`, 'reclab runs on a file');
    assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder\n', 'the file is untouched');
  } finally {
    cleanup(dir);
  }
});

test('EACCES while listing: a runs folder that may not be read is an error, an unreadable run is listed with the reason beside the others', (t) => {
  if (!drop) return t.skip('running as root and `setpriv` (util-linux) is missing: cannot run the CLI unprivileged');
  const dir = workspace();
  try {
    const runs = path.join(dir, 'runs');
    for (const id of ['a-closed', 'b-secret', 'c-open']) {
      const r = reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', 'runs', '--id', id, '--quiet'], false);
      assert.equal(r.status, 0, r.stderr);
    }
    spawnSync('chmod', ['-R', 'a+rX', runs]);
    fs.chmodSync(path.join(runs, 'a-closed'), 0o700);
    fs.chmodSync(path.join(runs, 'b-secret', 'run.json'), 0o600);
    if (!isRoot) {
      // run by an ordinary user the runs are its own: take the permissions away from itself
      fs.chmodSync(path.join(runs, 'a-closed'), 0o000);
      fs.chmodSync(path.join(runs, 'b-secret', 'run.json'), 0o000);
    }
    const r = reclab(dir, ['runs', '--runs-dir', 'runs']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^c-open\s+finished/m, 'the readable run is listed as usual');
    assert.match(r.stdout, /^a-closed\s+unreadable/m, 'a run folder that may not be read is not hidden');
    assert.match(r.stdout, /a-closed: unreadable — the run folder cannot be read: permission denied \(EACCES\)/);
    assert.match(r.stdout, /b-secret: unreadable — run\.json cannot be read: permission denied \(EACCES\)/);

    fs.chmodSync(runs, isRoot ? 0o700 : 0o000);
    assertMessage(reclab(dir, ['runs', '--runs-dir', 'runs']), 2, `cannot list the runs folder ${runs}: permission denied (EACCES)`, 'runs folder that may not be read');
  } finally {
    cleanup(dir);
  }
});

/** Mounts a tmpfs at a fresh folder (root only); undefined when this machine does not allow it. */
function mountTmpfs(options: string): string | undefined {
  if (process.platform !== 'linux' || !isRoot) return undefined;
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-rofs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(mnt);
    return undefined;
  }
  return mnt;
}

test('EROFS: a runs folder on a read-only file system (a tmpfs mounted ro)', (t) => {
  const mnt = mountTmpfs('ro,size=1m');
  if (!mnt) return t.skip('mounting a tmpfs needs root on Linux');
  const dir = workspace();
  try {
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', mnt], false), 2,
      `cannot create a run in the runs folder ${mnt}: the file system is read-only (use --runs-dir to choose a writable folder)`, 'read-only file system');
    assertMessage(reclab(dir, ['train', 'exp.reclab.json', '--runs-dir', path.join(mnt, 'runs')], false), 2,
      `cannot create a run in the runs folder ${path.join(mnt, 'runs')}: the file system is read-only (use --runs-dir to choose a writable folder)`, 'runs folder to create on a read-only file system');
  } finally {
    spawnSync('umount', [mnt]);
    fs.rmdirSync(mnt);
    cleanup(dir);
  }
});

test('EROFS under a running training: the run folder goes read-only mid-run — the run names the file, exits 1, and is listed failed', async (t) => {
  const mnt = mountTmpfs('size=64m');
  if (!mnt) return t.skip('mounting a tmpfs needs root on Linux');
  const dir = workspace();
  const long = path.join(dir, 'long.reclab.json');
  fs.writeFileSync(long, JSON.stringify({ ...config, dataset: { ...config.dataset, users: 400, items: 300 }, train: { epochs: 100000, batchSize: 64 }, eval: { ks: [20], every: 1 } }));
  const runDir = path.join(mnt, 'long');
  let remounted = false;
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, [cli, 'train', long, '--runs-dir', mnt, '--id', 'long', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    const exited = new Promise<number | null>((res) => child!.once('exit', (code) => res(code)));
    // wait (on the condition, not on time) for the first checkpoint: the run is past its first epoch
    const limit = Date.now() + 180_000;
    while (!fs.existsSync(path.join(runDir, 'checkpoints', 'last', 'meta.json'))) {
      assert.ok(Date.now() < limit && child.exitCode === null, `the run reached its first checkpoint (stderr: ${stderr})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // the run folder becomes read-only under the engine: a read-only bind mount of it over itself (a file system with
    // files open for writing cannot be remounted read-only as a whole; the new mount has none, so every file the
    // engine opens, creates or renames from now on gets EROFS)
    for (const args of [['--bind', runDir, runDir], ['-o', 'remount,bind,ro', runDir]]) {
      const r = spawnSync('mount', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `mount ${args.join(' ')}: ${r.stderr}`);
      remounted = true;
    }
    const code = await exited;
    assert.equal(code, 1, `the engine exits 1 (stderr: ${stderr})`);
    assert.match(stderr, /run long: cannot (write|append to|create|rename|replace) [^\n]+: read-only file system \(EROFS\)/, 'the message names the run, the file and the reason');
    assert.doesNotMatch(stderr, /\n\s+at |EROFS:/, 'no stack trace or raw system error');
    t.diagnostic(`engine: ${stderr.trim()}`);
    // run.json could not be rewritten (the file system is read-only): the lease shows the run failed
    const listing = reclab(dir, ['runs', '--runs-dir', mnt], false);
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /^long\s+failed/m, `listed failed: ${listing.stdout}`);
    assert.match(listing.stdout, /engine process died/);
  } finally {
    // a failed assertion may leave our own child running on the mount: stop it (through its handle) first
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((res) => child!.once('exit', res));
      child.kill('SIGKILL');
      await gone;
    }
    if (remounted) spawnSync('umount', [runDir]);
    spawnSync('umount', [mnt]);
    fs.rmdirSync(mnt);
    cleanup(dir);
  }
});
