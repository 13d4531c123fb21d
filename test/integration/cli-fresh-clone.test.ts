/**
 * The CLI works right after `npm ci` on a fresh clone: the checkout has no dist/, and both `prepare` (what `npm ci`
 * runs) and bin/reclab.js itself (when dist/ is missing or older than the sources) build it. The clone is the
 * working tree's tracked and unignored files (what `git clone` of this state gives); node_modules is linked from
 * this checkout instead of a second `npm ci`, to keep the test fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = process.env.RECLAB_ROOT!;

function freshClone(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-clone-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  assert.equal(files.status, 0, files.stderr);
  for (const f of files.stdout.split('\0').filter(Boolean)) {
    const from = path.join(root, f);
    if (!fs.existsSync(from) || f.startsWith('dist/')) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, f));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

test('fresh clone: bin/reclab.js builds dist/ when it is missing, and again when a source is newer', () => {
  const dir = freshClone();
  try {
    assert.equal(fs.existsSync(path.join(dir, 'dist', 'cli.js')), false, 'a clone has no dist/');
    const first = spawnSync(process.execPath, [path.join(dir, 'bin', 'reclab.js'), '--version'], { cwd: dir, encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout.trim(), /^\d+\.\d+\.\d+$/);
    assert.match(first.stderr, /building dist/);
    // up to date: no rebuild
    const second = spawnSync(process.execPath, [path.join(dir, 'bin', 'reclab.js'), '--version'], { cwd: dir, encoding: 'utf8' });
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /building/);
    // a source edited after the build: rebuilt before running
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'src', 'version.ts'), future, future);
    const third = spawnSync(process.execPath, [path.join(dir, 'bin', 'reclab.js'), '--help'], { cwd: dir, encoding: 'utf8' });
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stderr, /building dist/);
    assert.match(third.stdout, /usage:/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fresh clone: `npm ci` runs the prepare script, which builds dist/ (so npx reclab works)', () => {
  const dir = freshClone();
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    assert.ok(pkg.scripts.prepare, 'package.json has a prepare script');
    assert.equal(pkg.bin.reclab, './bin/reclab.js');
    const r = spawnSync('npm', ['run', 'prepare', '--silent'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'dist', 'cli.js')));
    const cli = spawnSync(process.execPath, [path.join(dir, 'bin', 'reclab.js'), '--version'], { cwd: dir, encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.doesNotMatch(cli.stderr, /building/, 'prepare left an up-to-date bundle');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
