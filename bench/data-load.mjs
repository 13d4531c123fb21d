// Load-time benchmark of the data layer: bundles src/engine/data with esbuild (like scripts/run-tests.mjs) and times
// loadDataset on the LightGCN Yelp2018 split (../shared/data/yelp2018, or the folder given as the first argument)
// and on the default-size synthetic dataset. Prints the median of 5 runs each.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const yelp = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'data', 'yelp2018'));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reclab-data-bench-'));
const outfile = path.join(outDir, 'data.cjs');
await esbuild.build({
  entryPoints: [path.join(root, 'src/engine/data/index.ts')], outfile, bundle: true, platform: 'node',
  target: 'node20', format: 'cjs', logLevel: 'warning',
});
const data = createRequire(import.meta.url)(outfile);
const split = { method: 'given', testRatio: 0.2, validRatio: 0, seed: 1, kcore: { user: 0, item: 0 } };

async function median(label, cfg) {
  const ms = [];
  let ds;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    ds = await data.loadDataset(cfg, root);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const s = data.datasetStats(ds);
  console.log(`${label}: median ${ms[2].toFixed(1)} ms (runs ${ms.map((m) => m.toFixed(0)).join(', ')}) ` +
    `users ${s.users} items ${s.items} train ${s.train} test ${s.test} gini ${s.giniItemPopularity.toFixed(3)}`);
}

if (fs.existsSync(path.join(yelp, 'train.txt'))) {
  await median('yelp2018 (lightgcn)', { dataset: { kind: 'lightgcn', path: yelp }, split, seed: 1 });
} else console.log(`yelp2018 not found at ${yelp}; skipped`);
await median('synthetic 3000×2000', {
  dataset: { kind: 'synthetic', users: 3000, items: 2000, interactionsPerUser: 30, clusters: 20, popularityExponent: 1, seed: 1, testRatio: 0.2 },
  split, seed: 1,
});
fs.rmSync(outDir, { recursive: true, force: true });
