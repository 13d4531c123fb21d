/**
 * Host side against the real RunStore: a run written live with RunWriter (as the engine does) reaches a webview
 * session as one snapshot plus deltas, every step exactly once, at no more than 30 messages per second.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { unpackSeries, type DeltaMessage, type HostToWebview, type SnapshotMessage } from '../../src/protocol/webview';
import { RunStore } from '../../src/runs/store';
import { RunWriter } from '../../src/runs/writer';
import { PanelSession } from '../../src/extension/panels/panel-session';
import { FIXTURE_SPECS, fixtureConfig, generateRun } from '../fixtures/run-generator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a run appended live reaches the session once per event, batched', async () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-live-'));
  const spec = { ...FIXTURE_SPECS[3], id: 'live-run', epochsRun: 6 };
  const { events } = generateRun(spec);
  const w = RunWriter.create(runsDir, { id: spec.id, name: spec.name, experiment: spec.experiment, versions: { reclab: '0', node: process.version } }, fixtureConfig(spec));
  w.updateInfo({ status: 'running', pid: process.pid, startedAt: new Date().toISOString() });
  const first = 40;
  for (const e of events.slice(0, first)) w.append(e);
  const store = new RunStore(runsDir, { debounceMs: 20, pollMs: 200 });
  await store.start();
  const sent: { at: number; m: HostToWebview }[] = [];
  const session = new PanelSession({ view: 'dashboard', runIds: [spec.id], store, post: (m) => void sent.push({ at: Date.now(), m }) });
  try {
    session.receive({ type: 'ready', view: 'dashboard' });
    for (let i = first; i < events.length; i += 7) {
      for (const e of events.slice(i, i + 7)) w.append(e);
      await sleep(15);
    }
    const steps = events.filter((e) => e.kind === 'step').length;
    const received = () =>
      sent.reduce((n, { m }) => n + (m.type === 'snapshot' || m.type === 'delta' ? unpackSeries(m.series).find((c) => c.key === 'loss')?.value.length ?? 0 : 0), 0);
    for (let t = 0; t < 100 && received() < steps; t++) await sleep(50);
    assert.equal(received(), steps, 'every step event exactly once');
    const snap = sent[0].m as SnapshotMessage;
    assert.equal(snap.type, 'snapshot');
    const deltas = sent.slice(1).map((s) => s as { at: number; m: DeltaMessage });
    assert.ok(deltas.length >= 3, `${deltas.length} deltas`);
    deltas.forEach((d, i) => assert.equal(d.m.seq, i + 1));
    for (let i = 1; i < deltas.length; i++) assert.ok(deltas[i].at - deltas[i - 1].at >= 1000 / 30 - 2, 'at most 30 messages per second');
    const loss = [snap, ...deltas.map((d) => d.m)].flatMap((m) => [...(unpackSeries(m.series).find((c) => c.key === 'loss')?.step ?? [])]);
    assert.deepEqual(loss, events.filter((e) => e.kind === 'step').map((e) => (e as { step: number }).step), 'in order, no duplicates');
  } finally {
    session.dispose();
    store.dispose();
    w.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
});
