/**
 * Webview streaming benchmark (bundled and run by bench/webview.mjs): the compare view in Debian chromium receives
 * 10 runs × 200k logged steps as batched deltas recorded from the real host-side session (≤ 30 messages/s), replayed
 * in real time. Measures message→frame latency (from postMessage to the end of the frame that drew it) and the frame
 * rate while streaming, then the redraw time of an interaction (smoothing change) with all 2M points loaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readRun } from '../src/runs/reader';
import { benchSpecs, fixtureConfig, generateRun } from '../test/fixtures/run-generator';
import { launch } from '../test/webview/harness/browser';
import { FIXTURE_RUNS_DIR, ReplayStore, recordStream } from '../test/webview/harness/record';
import { startHarness } from '../test/webview/harness/server';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const STEPS = Number(process.env.BENCH_STEPS ?? 200_000);
const STREAM_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function main(): Promise<void> {
  const t0 = Date.now();
  const template = readRun(path.join(FIXTURE_RUNS_DIR, 'fx-mf-ssm-adaptive'))!;
  const runs = benchSpecs(RUNS, STEPS).map((spec) => {
    const { events, summary } = generateRun(spec);
    return { record: { id: spec.id, dir: `/virtual/${spec.id}`, info: { ...template.info, id: spec.id, name: spec.name, status: 'running' as const }, summary }, events, config: fixtureConfig(spec), visible: 3 };
  });
  const perRun = runs[0].events.length;
  const tickMs = 20;
  const eventsPerTick = Math.ceil(perRun / ((STREAM_SECONDS * 1000) / tickMs));
  const store = new ReplayStore(runs);
  const messages = recordStream({ view: 'compare', runIds: runs.map((r) => r.record.id), store, live: { runIds: runs.map((r) => r.record.id), eventsPerTick, tickMs }, minIntervalMs: 1000 / 30 });
  const deltas = messages.filter((m) => (m.message as { type: string }).type === 'delta');
  const points = deltas.reduce((s, m) => s + (m.message as { series: { data: Float64Array } }).series.data.length / 4, 0);
  const spanS = (deltas[deltas.length - 1].at - deltas[0].at) / 1000;
  console.log(`recorded ${deltas.length} deltas over ${spanS.toFixed(1)} s (${(deltas.length / spanS).toFixed(1)} msg/s), ${points.toLocaleString()} points, ${RUNS} runs × ${STEPS.toLocaleString()} steps, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const harness = await startHarness();
  harness.addStream('bench', messages);
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${harness.url}/compare.html?theme=dark&stream=bench`, { timeout: 120_000 });
  await page.waitForSelector('.compare-header h1');
  await page.waitForTimeout(500);
  const stream = await page.evaluate(() => (window as unknown as { __harness: { replay(o: unknown): Promise<Record<string, number | number[]>> } }).__harness.replay({ speed: 1 }));
  const loaded = await page.evaluate(() => {
    const d = (window as unknown as { reclabDebug: { model: { store: { get(r: string, k: string): { length: number } | undefined } }; charts: Record<string, { debugInfo(): { rows: number } }> } }).reclabDebug;
    let n = 0;
    for (let i = 0; i < 100; i++) n += d.model.store.get(`bench-${i}`, 'loss')?.length ?? 0;
    return { lossPoints: n, drawnRows: d.charts.loss.debugInfo().rows };
  });
  // an interaction at full size: move the loss chart's smoothing slider and time until the frame is done
  const interaction: number[] = [];
  for (const w of [0.3, 0.7, 0.9, 0.5, 0.8]) {
    interaction.push(
      await page.evaluate(
        (weight) =>
          new Promise<number>((resolve) => {
            const el = document.querySelector<HTMLInputElement>('[data-chart="loss"] input.smoothing')!;
            const start = performance.now();
            el.value = String(weight);
            el.dispatchEvent(new Event('input', { bubbles: true }));
            requestAnimationFrame(() => resolve(performance.now() - start));
          }),
        w,
      ),
    );
  }
  interaction.sort((a, b) => a - b);
  const latencies = (stream.latencies as number[]).slice();
  const late = latencies.slice(Math.floor(latencies.length * 0.75));
  const med = (a: number[]) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length ? s[s.length >> 1] : NaN;
  };
  const result = {
    runs: RUNS,
    stepsPerRun: STEPS,
    deltaMessages: stream.messages,
    messagesPerSecond: +(deltas.length / spanS).toFixed(1),
    latencyMedianMs: +(stream.latencyMedianMs as number).toFixed(1),
    latencyP95Ms: +(stream.latencyP95Ms as number).toFixed(1),
    latencyMedianLastQuarterMs: +med(late).toFixed(1),
    fps: +(stream.fps as number).toFixed(1),
    frameIntervalMedianMs: +(stream.frameIntervalMedianMs as number).toFixed(1),
    frameIntervalP95Ms: +(stream.frameIntervalP95Ms as number).toFixed(1),
    lossPointsLoaded: loaded.lossPoints,
    rowsDrawnInLossChart: loaded.drawnRows,
    smoothingChangeMedianMs: +interaction[interaction.length >> 1].toFixed(1),
    targets: { latencyMs: 100, fps: 30 },
    errors,
  };
  console.log(JSON.stringify(result, null, 2));
  const ok = result.latencyMedianMs <= 100 && result.fps >= 30 && loaded.lossPoints === RUNS * STEPS && !errors.length;
  console.log(ok ? 'PASS: targets met' : 'FAIL: targets missed');
  fs.mkdirSync(path.join(process.env.RECLAB_ROOT ?? process.cwd(), '.bench'), { recursive: true });
  fs.writeFileSync(path.join(process.env.RECLAB_ROOT ?? process.cwd(), '.bench/webview.json'), JSON.stringify(result, null, 2) + '\n');
  await browser.close();
  await harness.close();
  process.exitCode = ok ? 0 : 1;
}

void main();
