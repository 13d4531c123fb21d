import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import {
  ChecksumError, DownloadError, catalogEntries, catalogEntry, datasetState, entryDir, fetchDataset, hashFile,
  resolveCatalogDataset, validateCatalog, verifyDataset, type CatalogEntry,
} from '../../src/engine/catalog';
import { loadDataset } from '../../src/engine/data';
import { resolveConfig } from '../../src/engine/config/validate';
import { serveFixtures, type Served } from '../fixtures/catalog/server';

const root = process.env.RECLAB_ROOT ?? process.cwd();
const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-catalog-test-'));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A small LightGCN-format split (40 users, 30 items), deterministic. */
function fixtureFiles(): Record<string, Buffer> {
  const train: string[] = [];
  const test: string[] = [];
  for (let u = 0; u < 40; u++) {
    const items = Array.from({ length: 6 }, (_, j) => (u * 7 + j * 5) % 30);
    train.push(`${u} ${items.slice(0, 4).join(' ')}`);
    test.push(`${u} ${items.slice(4).join(' ')}`);
  }
  return { 'train.txt': Buffer.from(train.join('\n') + '\n'), 'test.txt': Buffer.from(test.join('\n') + '\n') };
}

/** Digests computed here with node:crypto directly (the formulas, independently of the code under test). */
function entryFor(name: string, files: Record<string, Buffer>, pins: ('bytes' | 'sha256' | 'gitBlob' | 'md5')[]): CatalogEntry {
  return {
    name, version: 'v1', title: name, description: 'fixture', source: { repository: 'fixture' }, format: 'lightgcn',
    files: Object.entries(files).map(([file, data]) => ({
      name: file, url: `https://example.invalid/${name}/${file}`,
      ...(pins.includes('bytes') ? { bytes: data.length } : {}),
      ...(pins.includes('sha256') ? { sha256: createHash('sha256').update(data).digest('hex') } : {}),
      ...(pins.includes('gitBlob') ? { gitBlob: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex') } : {}),
      ...(pins.includes('md5') ? { md5: createHash('md5').update(data).digest('hex') } : {}),
    })),
    dataset: { kind: 'lightgcn' }, licence: 'test', citation: 'test', pinnedBy: 'test',
  };
}

describe('catalogue file', () => {
  it('every built-in entry is well formed; the required datasets are there, pinned at a commit or by md5', () => {
    const entries = catalogEntries({});
    for (const name of ['yelp2018', 'gowalla', 'amazon-book', 'ml-100k', 'ml-1m', 'synthetic']) assert.ok(entries.some((e) => e.name === name), name);
    for (const e of entries.filter((x) => x.format === 'lightgcn')) {
      assert.match(e.source.commit, /^[0-9a-f]{40}$/);
      for (const f of e.files) {
        assert.ok(f.url.includes(e.source.commit), `${e.name}/${f.name} URL is pinned at the commit`);
        assert.match(f.gitBlob ?? '', /^[0-9a-f]{40}$/);
      }
    }
    for (const name of ['ml-100k', 'ml-1m']) assert.match(catalogEntry(name).files[0].md5 ?? '', /^[0-9a-f]{32}$/);
    assert.throws(() => validateCatalog([{ ...entryFor('x', { 'a.txt': Buffer.from('a') }, []) }]), /no checksum/);
    assert.throws(() => validateCatalog([{ ...entryFor('x', { 'a.txt': Buffer.from('a') }, ['sha256']), name: 'Bad Name' }]), /lower-case name/);
    assert.throws(() => catalogEntry('nope'), /not in the dataset catalogue \(yelp2018, /);
  });

  it('hashFile: known answers for sha256, git blob id and md5', async () => {
    const f = path.join(tmp(), 'hello');
    fs.writeFileSync(f, 'hello\n');
    assert.deepEqual(await hashFile(f), {
      bytes: 6,
      sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
      gitBlob: 'ce013625030ba8dba906f756967f9e9ca394464a', // `echo hello | git hash-object --stdin`
      md5: 'b1946ac92492d2347c6235b4d2611184',
    });
  });

  it('the yelp2018 entry matches the real files (../shared/data/yelp2018), or on a fresh clone the same check runs on a fixture', async () => {
    const shared = path.resolve(root, '..', 'shared', 'data', 'yelp2018');
    const real = fs.existsSync(path.join(shared, 'train.txt'));
    const entry = real ? catalogEntry('yelp2018') : entryFor('yelp-fixture', fixtureFiles(), ['bytes', 'sha256', 'gitBlob', 'md5']);
    const from = real ? shared : (() => {
      const d = tmp();
      for (const [n, b] of Object.entries(fixtureFiles())) fs.writeFileSync(path.join(d, n), b);
      return d;
    })();
    const cache = tmp();
    const r = await fetchDataset(entry, { root: cache, from });
    assert.deepEqual(r.transferred, ['train.txt', 'test.txt']);
    const report = await verifyDataset(entry, { root: cache });
    for (const f of entry.files) {
      const d = report.find((x) => x.file === f.name)!.digests;
      for (const k of ['bytes', 'sha256', 'gitBlob', 'md5'] as const) assert.equal(d[k], f[k], `${f.name} ${k}`);
    }
    assert.equal(datasetState(entry, cache), 'fetched');
  });
});

describe('fetching from a local HTTP server', () => {
  const files = fixtureFiles();
  let server: Served;
  before(async () => {
    server = await serveFixtures(files);
  });
  after(() => server.close());

  it('good download: verified, placed atomically, stamped, then loadable; a second fetch transfers nothing', async () => {
    const entry = entryFor('fx', files, ['bytes', 'sha256']);
    const cache = tmp();
    const progress: number[] = [];
    const r = await fetchDataset(entry, { root: cache, from: `${server.url}/good`, onProgress: (p) => progress.push(p.received) });
    assert.deepEqual(r.transferred, ['train.txt', 'test.txt']);
    assert.ok(progress.length >= 2 && progress.at(-1)! > 0);
    const dir = entryDir(entry, cache);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.reclab-verified.json', 'test.txt', 'train.txt']);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'train.txt')), files['train.txt']);
    const again = await fetchDataset(entry, { root: cache, from: `${server.url}/good` });
    assert.deepEqual(again.transferred, []);
  });

  it('corrupted bytes: a ChecksumError naming the file, expected and actual; nothing placed, the part file dropped', async () => {
    const entry = entryFor('fx', files, ['sha256']);
    const cache = tmp();
    const bad = Buffer.from(files['train.txt']);
    bad[bad.length >> 1] ^= 0xff;
    const actual = createHash('sha256').update(bad).digest('hex');
    await assert.rejects(fetchDataset(entry, { root: cache, from: `${server.url}/corrupt` }), (e: Error) => {
      assert.ok(e instanceof ChecksumError);
      assert.equal(e.message, `fx/train.txt: sha256 mismatch — expected ${entry.files[0].sha256}, got ${actual}`);
      return true;
    });
    assert.deepEqual(fs.readdirSync(entryDir(entry, cache)), []);
    assert.equal(datasetState(entry, cache), 'missing');
  });

  it('interruption: the transfer resumes with a Range request from the bytes it kept, and the result verifies', async () => {
    const entry = entryFor('fx-cut', files, ['gitBlob']);
    const cache = tmp();
    const r = await fetchDataset(entry, { root: cache, from: `${server.url}/cut`, retries: 2 });
    assert.deepEqual(r.transferred, ['train.txt', 'test.txt']);
    const seen = server.requests.filter((q) => q.path === '/cut/fx-cut/train.txt');
    assert.deepEqual(seen.map((q) => q.range), [null, `bytes=${files['train.txt'].length >> 1}-`]);
    await verifyDataset(entry, { root: cache });
  });

  it('resume after an interrupted run: a part file left behind is continued, not restarted', async () => {
    const entry = entryFor('fx-resume', files, ['sha256', 'bytes']);
    const cache = tmp();
    const dir = entryDir(entry, cache);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '.train.txt.part'), files['train.txt'].subarray(0, 100));
    await fetchDataset(entry, { root: cache, from: `${server.url}/good` });
    const seen = server.requests.filter((q) => q.path === '/good/fx-resume/train.txt');
    assert.deepEqual(seen.map((q) => q.range), ['bytes=100-']);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'train.txt')), files['train.txt']);
  });

  it('cancellation: the signal\'s reason rejects the fetch, the bytes so far stay, and the next fetch resumes them', async () => {
    const entry = entryFor('fx-cancel', files, ['sha256']);
    const cache = tmp();
    const ac = new AbortController();
    await assert.rejects(fetchDataset(entry, {
      root: cache, from: `${server.url}/slow-stall`, signal: ac.signal,
      onProgress: (p) => { if (p.received >= 5) ac.abort(new Error('cancelled by the user')); },
    }), /cancelled by the user/);
    const part = path.join(entryDir(entry, cache), '.train.txt.part');
    assert.equal(fs.statSync(part).size, 5);
    await fetchDataset(entry, { root: cache, from: `${server.url}/good` });
    assert.deepEqual(server.requests.filter((q) => q.path === '/good/fx-cancel/train.txt').map((q) => q.range), ['bytes=5-']);
    assert.equal(datasetState(entry, cache), 'fetched');
  });

  it('404: a DownloadError naming the status and URL, not retried', async () => {
    const entry = entryFor('fx-404', { 'absent.txt': Buffer.from('x') }, ['sha256']);
    const before404 = server.requests.length;
    await assert.rejects(fetchDataset(entry, { root: tmp(), from: `${server.url}/good`, retries: 3 }), (e: Error) => {
      assert.ok(e instanceof DownloadError);
      assert.match(e.message, new RegExp(`fx-404/absent.txt: HTTP 404 Not Found from ${server.url}/good/fx-404/absent.txt`));
      return true;
    });
    assert.equal(server.requests.length - before404, 1);
  });

  it('timeout: a server that never answers, and one that stalls mid-body, fail with a timeout after the retries', async () => {
    for (const mode of ['hang', 'slow-stall']) {
      const entry = entryFor(`fx-${mode}`, files, ['sha256']);
      await assert.rejects(fetchDataset(entry, { root: tmp(), from: `${server.url}/${mode}`, idleTimeoutMs: 150, retries: 1 }), (e: Error) => {
        assert.ok(e instanceof DownloadError, String(e));
        assert.match(e.message, /timed out after 0\.15 s/);
        assert.match(e.message, /gave up after 2 attempts/);
        return true;
      });
      assert.equal(server.requests.filter((q) => q.path === `/${mode}/fx-${mode}/train.txt`).length, 2);
    }
  });

  it('a server lying about Content-Length: too short is caught by the checksum, too long ends in a verified file', async () => {
    const short = entryFor('fx-short', files, ['gitBlob']);
    const cache = tmp();
    await assert.rejects(fetchDataset(short, { root: cache, from: `${server.url}/lie-short`, retries: 0 }), (e: Error) => {
      assert.ok(e instanceof ChecksumError, String(e));
      assert.match(e.message, /^fx-short\/train\.txt: gitBlob mismatch — expected [0-9a-f]{40}, got [0-9a-f]{40}$/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(entryDir(short, cache), 'train.txt')), false);
    const long = entryFor('fx-long', files, ['sha256']);
    const r = await fetchDataset(long, { root: tmp(), from: `${server.url}/lie-long`, retries: 2 });
    assert.deepEqual(r.transferred, ['train.txt', 'test.txt']);
  });

  it('a config naming {"catalog": …} finds or fetches the dataset (RECLAB_CATALOG adds the fixture entry)', async () => {
    const entry = entryFor('fx-config', files, ['sha256', 'bytes']);
    const catFile = path.join(tmp(), 'extra-catalog.json');
    fs.writeFileSync(catFile, JSON.stringify({ datasets: [entry] }));
    const cache = tmp();
    const saved = { cat: process.env.RECLAB_CATALOG, data: process.env.RECLAB_DATA };
    process.env.RECLAB_CATALOG = catFile;
    process.env.RECLAB_DATA = cache;
    try {
      const cfg = resolveConfig({ name: 't', dataset: { catalog: 'fx-config', from: `${server.url}/good` }, split: { validRatio: 0 }, eval: { selectOn: 'test' } });
      assert.equal(cfg.dataset.kind, 'catalog');
      const ds = await loadDataset(cfg, tmp());
      assert.equal(ds.name, 'fx-config');
      assert.equal(ds.nUsers, 40);
      assert.equal(ds.nItems, 30);
      // now in the cache: found without the server, and refusing to fetch is fine
      const offline = resolveConfig({ name: 't', dataset: { catalog: 'fx-config', fetch: false, from: 'http://127.0.0.1:9/unused' }, split: { validRatio: 0 }, eval: { selectOn: 'test' } });
      assert.equal((await loadDataset(offline, tmp())).nUsers, 40);
      // a changed file in the cache is re-verified before use and refused
      fs.appendFileSync(path.join(entryDir(entry, cache), 'test.txt'), '0 1\n');
      await assert.rejects(loadDataset(offline, tmp()), /fx-config\/test\.txt: size mismatch/);
      const missing = resolveConfig({ name: 't', dataset: { catalog: 'fx-config', fetch: false }, split: { validRatio: 0 }, eval: { selectOn: 'test' } });
      process.env.RECLAB_DATA = tmp();
      await assert.rejects(loadDataset(missing, tmp()), /not in the cache .*reclab datasets fetch fx-config/);
    } finally {
      process.env.RECLAB_CATALOG = saved.cat ?? '';
      if (saved.data === undefined) delete process.env.RECLAB_DATA;
      else process.env.RECLAB_DATA = saved.data;
    }
  });

  it('a zip entry (the MovieLens shape) is verified by md5, unpacked, and loaded by its format; a zip-slip entry is refused', async () => {
    const ratings = Array.from({ length: 60 }, (_, r) => `${1 + (r % 12)}::${1 + ((r * 7) % 15)}::${1 + (r % 5)}::${1000 + r}`).join('\n') + '\n';
    const zip = Buffer.from(zipSync({ 'mini/ratings.dat': strToU8(ratings), 'mini/README': strToU8('fixture') }));
    const zserver = await serveFixtures({ 'mini.zip': zip, 'evil.zip': Buffer.from(zipSync({ '../escape.txt': strToU8('x') })) });
    try {
      const entry: CatalogEntry = {
        ...entryFor('mini', { 'mini.zip': zip }, ['md5']), format: 'zip', extract: 'mini.zip',
        dataset: { kind: 'movielens', path: 'mini/ratings.dat' },
      };
      const cache = tmp();
      await fetchDataset(entry, { root: cache, from: `${zserver.url}/good` });
      const dir = entryDir(entry, cache);
      assert.equal(fs.readFileSync(path.join(dir, 'mini', 'ratings.dat'), 'utf8'), ratings);
      assert.equal(datasetState(entry, cache), 'fetched');
      const evil: CatalogEntry = { ...entryFor('evil', { 'evil.zip': Buffer.from(zipSync({ '../escape.txt': strToU8('x') })) }, ['md5']), format: 'zip', extract: 'evil.zip' };
      await assert.rejects(fetchDataset(evil, { root: cache, from: `${zserver.url}/good` }), /points outside the folder/);
      assert.equal(fs.existsSync(path.join(cache, 'evil', 'escape.txt')), false);
    } finally {
      await zserver.close();
    }
  });

  it('the synthetic entry needs no files and loads the default generator', async () => {
    const { dataset } = await resolveCatalogDataset('synthetic', { root: tmp() });
    const viaCatalog = await loadDataset({ dataset, split: resolveConfig({ name: 't' }).split, seed: 1 }, tmp());
    const direct = await loadDataset(resolveConfig({ name: 't', dataset: { kind: 'synthetic' } }), tmp());
    assert.equal(viaCatalog.nUsers, direct.nUsers);
    assert.deepEqual(viaCatalog.train.indices, direct.train.indices);
  });
});
