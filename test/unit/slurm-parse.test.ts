/**
 * Parsing Slurm's output (squeue --json of 22.05 and later releases, the parsable fallback format) and building
 * --array specs, on outputs captured from the test cluster and from the later data_parser shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arraySpec, expandTaskString, parseSqueueJson, parseSqueueText, sbatchOnPath } from '../../src/scale/slurm/commands';
import { sbatchOptions, batchScript } from '../../src/scale/executors/slurm';

test('squeue --json (22.05, openapi v0.0.38): array tasks, pending ranges, reasons', () => {
  const text = JSON.stringify({
    jobs: [
      { job_id: 2, array_job_id: 1, array_task_id: 3, array_task_string: '', job_state: 'RUNNING', state_reason: 'None' },
      { job_id: 1, array_job_id: 1, array_task_id: 5, array_task_string: '5-6%1', job_state: 'PENDING', state_reason: 'JobArrayTaskLimit' },
      { job_id: 9, array_job_id: 0, array_task_id: null, job_state: 'FAILED', state_reason: 'NonZeroExitCode' },
    ],
  });
  assert.deepEqual(parseSqueueJson(text), [
    { id: '1_3', state: 'RUNNING', reason: undefined },
    { id: '1_5', state: 'PENDING', reason: 'JobArrayTaskLimit' },
    { id: '1_6', state: 'PENDING', reason: 'JobArrayTaskLimit' },
    { id: '9', state: 'FAILED', reason: 'NonZeroExitCode' },
  ]);
});

test('squeue --json of later releases: {set, number} fields and state lists', () => {
  const text = JSON.stringify({ jobs: [{ job_id: 7, array_job_id: { set: true, number: 7 }, array_task_id: { set: true, number: 0 }, job_state: ['CANCELLED'], state_reason: 'None' }] });
  assert.deepEqual(parseSqueueJson(text), [{ id: '7_0', state: 'CANCELLED', reason: undefined }]);
});

test('the parsable fallback (%i|%T|%r), with a pending task range', () => {
  assert.deepEqual(parseSqueueText('12_[3-4%2]|PENDING|JobArrayTaskLimit\n12_1|RUNNING|None\n13|COMPLETED|None\n'), [
    { id: '12_3', state: 'PENDING', reason: 'JobArrayTaskLimit' },
    { id: '12_4', state: 'PENDING', reason: 'JobArrayTaskLimit' },
    { id: '12_1', state: 'RUNNING', reason: undefined },
    { id: '13', state: 'COMPLETED', reason: undefined },
  ]);
});

test('--array specs from trial indices; task strings back to indices', () => {
  assert.equal(arraySpec([0, 1, 2, 3], 2), '0-3%2');
  assert.equal(arraySpec([8, 3, 5, 4], 1), '3-5,8%1');
  assert.deepEqual(expandTaskString('3,5-7%2'), [3, 5, 6, 7]);
});

test('sbatch options: partition, time, cpus, memory (given or estimated), extra options last', () => {
  assert.deepEqual(sbatchOptions({ kind: 'slurm', partition: 'gpu', time: '01:00:00', cpus: 4, mem: '8G', sbatchArgs: ['--gres=gpu:1'] }), ['--partition=gpu', '--time=01:00:00', '--cpus-per-task=4', '--mem=8G', '--gres=gpu:1']);
  assert.deepEqual(sbatchOptions({ kind: 'slurm' }, 1500.2), ['--mem=1501M']);
});

test('the batch script runs the trial of its array task id, with quoted paths', () => {
  const s = batchScript({ id: 'sw', baseDir: "/data/it's here" } as never, '/runs/sw.sweep.json', '/usr/bin/node', '/opt/reclab/dist/cli.js');
  assert.match(s, /^#!\/bin\/bash\n/);
  assert.match(s, /cd '\/data\/it'\\''s here' \|\| exit 1/);
  assert.match(s, /exec '\/usr\/bin\/node' '\/opt\/reclab\/dist\/cli\.js' trial '\/runs\/sw\.sweep\.json' "\$SLURM_ARRAY_TASK_ID"/);
});

test('sbatch on PATH: the first executable one is found; a non-executable file or an empty PATH is not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-path-'));
  const [a, b] = ['a', 'b'].map((d) => fs.mkdirSync(path.join(root, d), { recursive: true }) ?? path.join(root, d));
  fs.writeFileSync(path.join(a, 'sbatch'), '#!/bin/sh\n', { mode: 0o644 }); // not executable
  assert.equal(sbatchOnPath({ PATH: [a, b].join(path.delimiter) }), undefined);
  fs.writeFileSync(path.join(b, 'sbatch'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(sbatchOnPath({ PATH: [a, b].join(path.delimiter) }), path.join(b, 'sbatch'));
  assert.equal(sbatchOnPath({ PATH: '' }), undefined);
  assert.equal(sbatchOnPath({}), undefined);
  fs.rmSync(root, { recursive: true, force: true });
});
