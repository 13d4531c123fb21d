import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const root = process.env.RECLAB_ROOT!;
const cli = path.join(root, 'dist/cli.js');

test('reclab datasets list | fetch --from DIR | verify | path, with a checksum error that names file, expected and actual', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-cli-datasets-'));
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const train = Buffer.from(Array.from({ length: 2000 }, (_, u) => `${u} ${u % 50} ${(u * 3) % 50}`).join('\n') + '\n');
    const testFile = Buffer.from(Array.from({ length: 2000 }, (_, u) => `${u} ${(u * 7 + 1) % 50}`).join('\n') + '\n');
    fs.writeFileSync(path.join(src, 'train.txt'), train);
    fs.writeFileSync(path.join(src, 'test.txt'), testFile);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const catalog = path.join(dir, 'catalog.json');
    fs.writeFileSync(catalog, JSON.stringify({ datasets: [{
      name: 'cli-fixture', version: 'v1', title: 'fixture', description: 'fixture', source: {}, format: 'lightgcn',
      files: [
        { name: 'train.txt', url: 'https://example.invalid/train.txt', bytes: train.length, sha256: sha(train) },
        { name: 'test.txt', url: 'https://example.invalid/test.txt', sha256: sha(testFile) },
      ],
      dataset: { kind: 'lightgcn' }, licence: 'test', citation: 'test', pinnedBy: 'test',
    }] }));
    const env = { ...process.env, RECLAB_CATALOG: catalog, RECLAB_DATA: path.join(dir, 'cache') };
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'datasets', ...args], { encoding: 'utf8', env });

    assert.match(run('list').stdout, /cli-fixture +v1 +lightgcn .* missing/);
    assert.match(run('list').stdout, /yelp2018 +lightgcn-b067ec0/);
    const notYet = run('path', 'cli-fixture');
    assert.equal(notYet.status, 1);
    assert.match(notYet.stderr, /cli-fixture is not fetched; run `reclab datasets fetch cli-fixture`/);

    const fetched = run('fetch', 'cli-fixture', '--from', src);
    assert.equal(fetched.status, 0, fetched.stderr);
    const folder = path.join(dir, 'cache', 'cli-fixture', 'v1');
    assert.equal(fetched.stdout.trim(), folder);
    assert.match(fetched.stderr, /cli-fixture\/train\.txt .*100% .* ETA/);
    assert.match(fetched.stderr, /cli-fixture\/train\.txt: verified \(size, sha256\)/);
    assert.match(run('list').stdout, /cli-fixture .* fetched/);
    assert.equal(run('path', 'cli-fixture').stdout.trim(), folder);
    const verified = run('verify', 'cli-fixture');
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /every file matches the catalogue/);

    const bad = Buffer.from(testFile);
    bad[10] ^= 1;
    fs.writeFileSync(path.join(folder, 'test.txt'), bad);
    const broken = run('verify', 'cli-fixture');
    assert.equal(broken.status, 1);
    assert.equal(broken.stderr.trim(), `cli-fixture/test.txt: sha256 mismatch — expected ${sha(testFile)}, got ${sha(bad)}`);
    assert.match(run('list').stdout, /cli-fixture .* partial/);
    // fetching again repairs it from the source
    assert.equal(run('fetch', 'cli-fixture', '--from', src).status, 0);
    assert.equal(run('verify', 'cli-fixture').status, 0);
    assert.match(run('fetch', 'nope').stderr, /"nope" is not in the dataset catalogue/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
