/**
 * The compare view's seed groups and p-values without a browser: two real 3-seed groups trained by the CLI on a tiny
 * synthetic dataset, the real PanelSession snapshot (with the panel's paired test), and the webview's pure group
 * functions (webview/compare/groups.ts) over the snapshot's series. The browser test (test/webview/compare.test.ts)
 * checks the same numbers on screen.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pairedTestOf } from '../../src/extension/panels/paired';
import { PanelSession, type PanelRunStore } from '../../src/extension/panels/panel-session';
import { unpackSeries, type HostToWebview, type SnapshotMessage } from '../../src/protocol/webview';
import { readEvents, readRun, type RunRecord } from '../../src/runs/reader';
import { listGroups } from '../../src/runs/records';
import { groupStats, pairedComparison, resolveTarget } from '../../src/scale/compare';
import { groupChunks, groupRow, meanStd, seedGroups } from '../../webview/compare/groups';
import { SeriesStore } from '../../webview/shared/series-store';

const ROOT = process.env.RECLAB_ROOT ?? process.cwd();
let dir: string;
let snapshot: SnapshotMessage;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-compare-groups-'));
  const cfg = path.join(ROOT, 'test/fixtures/sweep/tiny-search.reclab.json');
  for (const [name, lr] of [['tiny-lr-high', '0.04'], ['tiny-lr-low', '0.01']]) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', cfg, '--seeds', '3', '--runs-dir', dir, '--quiet', '--set', `name=${name}`, '--set', `optimizer.lr=${lr}`, '--set', 'train.epochs=4'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const records = fs.readdirSync(dir).map((f) => readRun(path.join(dir, f))).filter((r): r is RunRecord => !!r);
  const store: PanelRunStore = {
    list: () => records,
    get: (id) => records.find((r) => r.id === id),
    events: (id) => readEvents(path.join(dir, id)),
    onDidChange: () => ({ dispose: () => undefined }),
  };
  const posted: HostToWebview[] = [];
  const session = new PanelSession({ view: 'compare', runIds: records.map((r) => r.id), store, post: (m) => void posted.push(m), pairedTest: (rs) => pairedTestOf(rs, dir) });
  session.receive({ type: 'ready', view: 'compare' });
  session.dispose();
  snapshot = posted[0] as SnapshotMessage;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the snapshot carries each run\'s group and the paired test of the two groups (= reclab compare --test)', () => {
  assert.equal(snapshot.runs.length, 6);
  const groups = listGroups(dir);
  for (const r of snapshot.runs) assert.ok(groups.some((g) => g.id === r.group), r.id);
  const p = snapshot.paired!;
  assert.equal(p.a.kind, 'group');
  const expected = pairedComparison(resolveTarget(p.a.id, dir), resolveTarget(p.b.id, dir), ['recall@20', 'ndcg@20']);
  assert.equal(p.users, expected.users);
  assert.deepEqual(p.rows!.map((r) => [r.metric, r.pTHolm, r.pW]), expected.rows.map((r) => [r.metric, r.pTHolm, r.pW]));
  assert.ok(p.rows!.every((r) => r.pTHolm < 0.05), 'two learning rates apart: the groups differ');
});

test('group rows are mean ± std of the runs\' results; the mean line and band are per-epoch mean ± std', () => {
  const gs = seedGroups(snapshot.runs);
  assert.equal(gs.length, 2);
  const store = new SeriesStore();
  store.append(unpackSeries(snapshot.series));
  for (const g of gs) {
    const row = groupRow(g, 'ndcg@20', 'best');
    const t = resolveTarget(g.id, dir);
    const stats = groupStats(t.kind === 'group' ? t.runs : []);
    assert.ok(Math.abs(row.test! - stats.metrics['ndcg@20'].mean) < 1e-12);
    assert.ok(Math.abs(row.testStd! - stats.metrics['ndcg@20'].std) < 1e-12);
    assert.equal(row.runs, 3);
    const [mean, lo, hi] = groupChunks(store, g, 'eval/valid/ndcg@20');
    assert.equal(mean.key, 'eval/valid/ndcg@20');
    assert.equal(mean.value.length, 4, 'one point per evaluated epoch');
    for (let i = 0; i < mean.value.length; i++) {
      const vals = g.runs.map((r) => {
        const s = store.get(r.id, 'eval/valid/ndcg@20')!;
        return s.value[[...s.epoch.subarray(0, s.length)].indexOf(mean.epoch[i])];
      });
      const ms = meanStd(vals);
      assert.ok(Math.abs(mean.value[i] - ms.mean) < 1e-12);
      assert.ok(Math.abs(hi.value[i] - (ms.mean + ms.std)) < 1e-12 && Math.abs(lo.value[i] - (ms.mean - ms.std)) < 1e-12);
    }
  }
});
