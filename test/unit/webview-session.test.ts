import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { packSeries, unpackSeries, type DeltaMessage, type HostToWebview, type SnapshotMessage } from '../../src/protocol/webview';
import { PanelSession } from '../../src/extension/panels/panel-session';
import { RunSeriesAccumulator, mergeChunks } from '../../src/extension/panels/run-series';
import { contentSecurityPolicy, webviewHtml } from '../../src/extension/panels/html';
import { ReplayStore, VirtualClock, recordStream } from '../webview/harness/record';

const root = process.env.RECLAB_ROOT ?? process.cwd();
const fixture = (id: string) => path.join(root, 'test/fixtures/runs', id);

test('series builder maps every event kind to its series keys with consistent x coordinates', () => {
  const store = ReplayStore.fromDirs([fixture('fx-mf-ssm-adaptive')]);
  const acc = new RunSeriesAccumulator('fx-mf-ssm-adaptive');
  acc.add(store.events('fx-mf-ssm-adaptive'));
  const chunks = acc.drain();
  const keys = new Set(chunks.map((c) => c.key));
  for (const k of ['loss', 'loss/reg', 'epoch/loss', 'epoch/lr', 'eval/test/recall@20', 'eval/test/ndcg@20', 'pop/test/G1', 'tau/global', 'tau/p5', 'tau/p95', 'neg/p50', 'neg/mean', 'sampler/fnr', 'sampler/collision', 'sampler/gain']) assert.ok(keys.has(k), k);
  const loss = chunks.find((c) => c.key === 'loss')!;
  assert.equal(loss.value.length, (20 * 120) / 4);
  assert.equal(loss.step[0], 4);
  assert.ok(Math.abs(loss.epoch[0] - 4 / 120) < 1e-12, 'fractional epoch of a step');
  assert.ok(loss.wall[0] > 0 && loss.wall[loss.wall.length - 1] > loss.wall[0]);
  const ev = chunks.find((c) => c.key === 'eval/test/ndcg@20')!;
  assert.deepEqual([...ev.epoch.slice(0, 3)], [1, 2, 3]);
  assert.equal(ev.step[0], 120, 'an epoch-level event sits at epoch × steps per epoch');
  const extras = acc.takeExtras(true)!;
  assert.equal(extras.tauHistogram?.epoch, 20);
  assert.equal(extras.popularity?.groups.length, 4);
  assert.equal(extras.problems?.[0].level, 'warn');
  assert.equal(acc.drain().length, 0, 'drain empties');
  assert.equal(acc.start.stepsPerEpoch, 120);
});

test('mergeChunks concatenates chunks of the same series in order', () => {
  const a = { runId: 'r', key: 'loss', step: Float64Array.of(1), epoch: Float64Array.of(0.1), wall: Float64Array.of(1), value: Float64Array.of(5) };
  const b = { runId: 'r', key: 'loss', step: Float64Array.of(2), epoch: Float64Array.of(0.2), wall: Float64Array.of(2), value: Float64Array.of(4) };
  const m = mergeChunks([a, b]);
  assert.equal(m.length, 1);
  assert.deepEqual([...m[0].value], [5, 4]);
});

test('session: ready → snapshot; store changes → batched deltas with increasing seq at most every minIntervalMs', () => {
  const store = ReplayStore.fromDirs([fixture('fx-mf-ssm-running'), fixture('fx-mf-bpr-fixed')]);
  store.setVisible('fx-mf-ssm-running', 50);
  const clock = new VirtualClock();
  const sent: { at: number; m: HostToWebview }[] = [];
  const commands: unknown[] = [];
  const session = new PanelSession({ view: 'dashboard', runIds: ['fx-mf-ssm-running'], store, clock, minIntervalMs: 50, post: (m) => void sent.push({ at: clock.now(), m }), onCommand: (c) => commands.push(c) });
  store.release('fx-mf-ssm-running', 5);
  assert.equal(sent.length, 0, 'nothing before ready');
  session.receive({ type: 'ready', view: 'dashboard' });
  const snap = sent[0].m as SnapshotMessage;
  assert.equal(snap.type, 'snapshot');
  assert.equal(snap.runs[0].id, 'fx-mf-ssm-running');
  assert.equal(snap.runs[0].summary?.startsWith('MF('), true);
  for (let t = 5; t <= 1000; t += 5) {
    clock.advanceTo(t);
    store.release('fx-mf-ssm-running', 1); // an event every 5 ms
  }
  clock.advanceTo(1100);
  const deltas = sent.slice(1).map((s) => s as { at: number; m: DeltaMessage });
  assert.ok(deltas.length >= 15 && deltas.length <= 21, `${deltas.length} deltas in 1 s`);
  deltas.forEach((d, i) => assert.equal(d.m.seq, i + 1));
  for (let i = 1; i < deltas.length; i++) assert.ok(deltas[i].at - deltas[i - 1].at >= 50);
  // every released step event arrives exactly once
  const snapLoss = unpackSeries(snap.series).find((c) => c.key === 'loss')?.value.length ?? 0;
  const deltaLoss = deltas.reduce((s, d) => s + (unpackSeries(d.m.series).find((c) => c.key === 'loss')?.value.length ?? 0), 0);
  // one buffer per message
  for (const d of deltas) assert.ok(d.m.series.data instanceof Float64Array);
  const allLoss = store.events('fx-mf-ssm-running').filter((e) => e.kind === 'step').length;
  assert.equal(snapLoss + deltaLoss, allLoss);
  // changes to runs not on display are not sent to a dashboard
  const before = sent.length;
  store.release('fx-mf-bpr-fixed', 10);
  clock.advanceTo(2000);
  assert.equal(sent.length, before);
  session.receive({ type: 'stopRun', runId: 'fx-mf-ssm-running' });
  assert.deepEqual(commands, [{ type: 'stopRun', runId: 'fx-mf-ssm-running' }]);
  session.dispose();
});

test('compare session: catalog of all runs, configs for the diff, selectRuns re-snapshots', () => {
  const store = ReplayStore.fromDirs(['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed', 'fx-mf-ssm-srns'].map(fixture));
  const msgs = recordStream({ view: 'compare', runIds: ['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed'], store });
  const snap = msgs[0].message as SnapshotMessage;
  assert.equal(snap.catalog?.length, 3);
  assert.deepEqual(Object.keys(snap.configs), ['fx-mf-ssm-adaptive', 'fx-mf-bpr-fixed']);
  const sent: HostToWebview[] = [];
  const changed: string[][] = [];
  const s = new PanelSession({ view: 'compare', runIds: ['fx-mf-ssm-adaptive'], store, post: (m) => void sent.push(m), onRunsChanged: (ids) => changed.push(ids), readConfig: () => ({}) });
  s.receive({ type: 'ready', view: 'compare' });
  s.receive({ type: 'selectRuns', runIds: ['fx-mf-ssm-srns', 'fx-mf-bpr-fixed'] });
  assert.deepEqual((sent[1] as SnapshotMessage).runs.map((r) => r.id), ['fx-mf-ssm-srns', 'fx-mf-bpr-fixed']);
  assert.deepEqual(changed, [['fx-mf-ssm-srns', 'fx-mf-bpr-fixed']]);
  s.dispose();
});

test('webview HTML: strict CSP with nonce, no inline script, codicon link for vscode-icon', () => {
  const html = webviewHtml({ view: 'dashboard', cspSource: 'vscode-resource:', scriptUri: 's.js', styleUri: 's.css', codiconUri: 'c.css', title: 't', nonce: 'abc' });
  assert.match(html, /default-src 'none'/);
  assert.match(html, /script-src 'nonce-abc'/);
  assert.doesNotMatch(html, /unsafe-eval|unsafe-inline/);
  assert.match(html, /<link id="vscode-codicon-stylesheet"[^>]*href="c.css"/);
  // every script tag has the nonce and a src (no inline script)
  for (const tag of html.match(/<script[^>]*>/g) ?? []) {
    assert.match(tag, /nonce="abc"/);
    assert.match(tag, /src="/);
  }
  assert.equal(contentSecurityPolicy('X', 'n').includes("style-src X"), true);
});

test('the codicons shipped in media/webview/codicons are the installed @vscode/codicons', async () => {
  const fs = await import('node:fs');
  const installed = path.join(root, 'node_modules/@vscode/codicons');
  const shipped = path.join(root, 'media/webview/codicons');
  for (const f of ['codicon.css', 'codicon.ttf']) assert.ok(fs.readFileSync(path.join(installed, 'dist', f)).equals(fs.readFileSync(path.join(shipped, f))), `${f} differs: copy it from node_modules/@vscode/codicons/dist`);
  assert.equal(fs.readFileSync(path.join(shipped, 'VERSION'), 'utf8').trim(), JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version);
});

test('series batches: one Float64Array per message, unpacked into views with the same numbers', () => {
  const a = { runId: 'r', key: 'loss', step: Float64Array.of(1, 2), epoch: Float64Array.of(0.1, 0.2), wall: Float64Array.of(5, 6), value: Float64Array.of(0.7, 0.6) };
  const b = { runId: 's', key: 'eval/test/ndcg@20', step: Float64Array.of(10), epoch: Float64Array.of(1), wall: Float64Array.of(9), value: Float64Array.of(0.12) };
  const batch = packSeries([a, b]);
  assert.equal(batch.data.length, 12);
  const [ua, ub] = unpackSeries(batch);
  assert.deepEqual([...ua.step, ...ua.epoch, ...ua.wall, ...ua.value], [1, 2, 0.1, 0.2, 5, 6, 0.7, 0.6]);
  assert.equal(ub.key, 'eval/test/ndcg@20');
  assert.deepEqual([...ub.value], [0.12]);
  assert.equal(ua.value.buffer, batch.data.buffer, 'views, not copies');
  assert.deepEqual(unpackSeries(packSeries([])), []);
});

test('series builder: explicit-negative rates of a sampler event become sampler series when present', () => {
  const acc = new RunSeriesAccumulator('r');
  const negScore = { min: 0, p5: 0, p25: 0, p50: 0, p75: 0, p95: 0, max: 0, mean: 0 };
  acc.add([
    { t: 1, kind: 'sampler', epoch: 1, sampler: 'uniform', negScore, falseNegativeRate: 0.01, positiveCollisionRate: 0 },
    { t: 2, kind: 'sampler', epoch: 2, sampler: 'real-negatives', negScore, falseNegativeRate: 0.01, positiveCollisionRate: 0, explicitNegativeRate: 0.6, falseNegativeRateOther: 0.025 },
  ]);
  const chunks = acc.drain();
  const explicit = chunks.find((c) => c.key === 'sampler/explicitNegativeRate');
  assert.deepEqual(explicit && [...explicit.value], [0.6]);
  assert.deepEqual([...chunks.find((c) => c.key === 'sampler/falseNegativeRateOther')!.value], [0.025]);
});
