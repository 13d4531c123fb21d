/**
 * The malformed-input corpus (test/fixtures/malformed/cases.ts) through the real CLI, as a child process: each case
 * gives exit status 2 and one message that names the file and line (or the JSON path), with no stack trace, no
 * control byte, nothing on stdout, bounded length, and no run folder left behind. Valid-but-unusual inputs (BOM,
 * CRLF) must train.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACCEPTED, CASES, type MalformedCase } from '../fixtures/malformed/cases';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');
/** only a hang fails this bound (a case takes about a second; the machine may be loaded) */
const HANG_MS = 120_000;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  dir: string;
}

function materialise(c: MalformedCase): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-malformed-'));
  for (const [name, content] of Object.entries(c.files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) fs.mkdirSync(file, { recursive: true });
    else fs.writeFileSync(file, content);
  }
  return dir;
}

function run(c: MalformedCase): Promise<Outcome> {
  const dir = materialise(c);
  const args = c.args ?? ['train', 'exp.reclab.json', '--runs-dir', 'runs'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RECLAB_DEBUG: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), dir });
    });
  });
}

/** runs the cases two at a time (the machine is shared), in order */
async function runAll(cases: MalformedCase[]): Promise<Outcome[]> {
  const results: Outcome[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const k = next++;
      results[k] = await run(cases[k]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test(`the malformed-input corpus: ${CASES.length} cases, each one clear positioned message, exit 2, nothing left behind`, { timeout: 30 * 60_000 }, async () => {
  assert.ok(CASES.length >= 60, `the corpus has ${CASES.length} cases`);
  const names = new Set(CASES.map((c) => c.name));
  assert.equal(names.size, CASES.length, 'case names are unique');
  const outcomes = await runAll(CASES);
  const failures: string[] = [];
  CASES.forEach((c, k) => {
    const o = outcomes[k];
    const problems: string[] = [];
    if (o.signal) problems.push(`killed by ${o.signal} (hung)`);
    if (o.code !== 2) problems.push(`exit ${o.code}, expected 2`);
    if (!c.expect.test(o.stderr)) problems.push(`message does not match ${c.expect}`);
    if (/\n\s+at .+:\d+:\d+\)?\n/.test(o.stderr) || /^\s+at /m.test(o.stderr)) problems.push('stack trace');
    if (CONTROL.test(o.stderr)) problems.push('control bytes in the message');
    if (o.stderr.length > 4000) problems.push(`message is ${o.stderr.length} characters`);
    if (o.stdout.trim() !== '') problems.push(`stdout not empty: ${JSON.stringify(o.stdout.slice(0, 200))}`);
    const firstLine = o.stderr.split('\n')[0];
    if (firstLine && o.stderr.split(firstLine).length > 2) problems.push('the message is printed twice');
    if (/^error: /m.test(o.stderr)) problems.push('reported as an internal error');
    const runs = path.join(o.dir, 'runs');
    if (fs.existsSync(runs) && fs.statSync(runs).isDirectory() && fs.readdirSync(runs).length) problems.push(`run folders left: ${fs.readdirSync(runs).join(', ')}`);
    if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}\n    stderr: ${JSON.stringify(o.stderr.slice(0, 600))}`);
    fs.rmSync(o.dir, { recursive: true, force: true });
  });
  assert.equal(failures.length, 0, `${failures.length} of ${CASES.length} cases failed:\n  ${failures.join('\n  ')}`);
});

test('unusual but valid inputs (BOM, CRLF, tabs, blank lines) train', { timeout: 10 * 60_000 }, async () => {
  const outcomes = await runAll(ACCEPTED);
  ACCEPTED.forEach((c, k) => {
    const o = outcomes[k];
    assert.equal(o.code, 0, `${c.name}: exit ${o.code}\n${o.stderr}`);
    assert.match(o.stdout, c.expect, c.name);
    fs.rmSync(o.dir, { recursive: true, force: true });
  });
});
