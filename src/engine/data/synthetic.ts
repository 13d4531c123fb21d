/**
 * Deterministic synthetic implicit feedback with two signals a recommender can learn:
 * - taste: every user and item belongs to one of `clusters` latent groups and users mostly pick items of their own
 *   group (CLUSTER_SHARE of the draws), so a personalised model clearly beats popularity;
 * - popularity: item weights follow a Zipf law (weight ∝ rank^-popularityExponent, ranks shuffled independently of
 *   the groups), used both inside a group and for the remaining out-of-group draws, so MostPop is a real baseline.
 * User activity is log-normal around `interactionsPerUser` (σ = 0.5). The source is then split per user by testRatio.
 */
import type { DatasetConfig } from '../config/types';
import { Rng } from '../rng';
import { fromPairs, PairBuffer } from './csr';
import { DatasetError } from './errors';
import type { GivenSource } from './source';
import { deriveSeed, splitByRatio } from './split';
import type { Interactions } from './types';

export type SyntheticConfig = Extract<DatasetConfig, { kind: 'synthetic' }>;

/** Share of a user's draws taken from their own cluster. */
export const CLUSTER_SHARE = 0.8;
const ACTIVITY_SIGMA = 0.5;
const MIN_PER_USER = 3;

/** Users generated between two checks for a stop (a few milliseconds of work). */
const USERS_PER_SLICE = 4096;

/** Generates the dataset synchronously (tests, small sizes). */
export function generateSynthetic(cfg: SyntheticConfig): GivenSource {
  const it = syntheticSlices(cfg);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}

/**
 * Generates the dataset in slices of users, yielding to the event loop between them: a signal or a stop message is
 * handled within milliseconds, and an aborted `signal` stops the generation (throws its reason).
 */
export async function generateSyntheticAsync(cfg: SyntheticConfig, signal?: AbortSignal): Promise<GivenSource> {
  const it = syntheticSlices(cfg);
  for (;;) {
    signal?.throwIfAborted();
    const r = it.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function* syntheticSlices(cfg: SyntheticConfig): Generator<void, GivenSource> {
  const { users: nUsers, items: nItems } = cfg;
  if (!(nUsers >= 1 && nItems >= 2 && Number.isInteger(nUsers) && Number.isInteger(nItems))) {
    throw new DatasetError(`synthetic dataset: needs integer users ≥ 1 and items ≥ 2 (got ${nUsers} users, ${nItems} items)`);
  }
  const rng = new Rng(cfg.seed >>> 0);
  const nClusters = Math.max(1, Math.min(nItems, Math.floor(cfg.clusters) || 1));

  // balanced item clusters, popularity ranks independent of the clusters
  const itemCluster = new Int32Array(nItems);
  const perm = rng.shuffle(Int32Array.from({ length: nItems }, (_, i) => i));
  for (let k = 0; k < nItems; k++) itemCluster[perm[k]] = k % nClusters;
  const rank = rng.shuffle(Int32Array.from({ length: nItems }, (_, i) => i));
  const weight = Float64Array.from(rank, (r) => Math.pow(r + 1, -cfg.popularityExponent));

  const global = cumulative(Int32Array.from({ length: nItems }, (_, i) => i), weight);
  yield;
  // members of each cluster in ascending item order (a counting sort: O(items), not O(items × clusters))
  const start = new Int32Array(nClusters + 1);
  for (let i = 0; i < nItems; i++) start[itemCluster[i] + 1]++;
  for (let c = 0; c < nClusters; c++) start[c + 1] += start[c];
  const members = new Int32Array(nItems);
  const fill = start.slice(0, nClusters);
  for (let i = 0; i < nItems; i++) members[fill[itemCluster[i]]++] = i;
  const byCluster: Sampler[] = [];
  for (let c = 0; c < nClusters; c++) byCluster.push(cumulative(members.subarray(start[c], start[c + 1]), weight));
  yield;

  const maxPerUser = Math.max(1, Math.floor(nItems / 2));
  const pairs = new PairBuffer(Math.ceil(nUsers * cfg.interactionsPerUser * 1.2));
  const lastUser = new Int32Array(nItems).fill(-1);
  const userCluster = new Int32Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    if (u % USERS_PER_SLICE === USERS_PER_SLICE - 1) yield;
    userCluster[u] = rng.int(nClusters);
    const own = byCluster[userCluster[u]];
    const activity = Math.exp(ACTIVITY_SIGMA * rng.normal() - (ACTIVITY_SIGMA * ACTIVITY_SIGMA) / 2);
    const want = Math.min(maxPerUser, Math.max(MIN_PER_USER, Math.round(cfg.interactionsPerUser * activity)));
    let got = 0;
    for (let attempt = 0; got < want && attempt < want * 20; attempt++) {
      const i = draw(rng.float() < CLUSTER_SHARE ? own : global, rng.float());
      if (lastUser[i] === u) continue;
      lastUser[i] = u;
      pairs.push(u, i);
      got++;
    }
  }
  yield;
  const all = fromPairs(pairs.users, pairs.items, nUsers, nItems, pairs.length);
  yield;
  const { rest, held } = splitByRatio(all, cfg.testRatio, deriveSeed(cfg.seed >>> 0, 2));
  const exposures = cfg.exposures ?? 0;
  return {
    ...(exposures > 0 ? { negatives: exposureNegatives(all, global, itemCluster, userCluster, exposures, deriveSeed(cfg.seed >>> 0, 3)) } : {}),
    kind: 'given',
    name: 'synthetic',
    train: rest,
    test: held,
    userIds: Array.from({ length: nUsers }, (_, u) => String(u)),
    itemIds: Array.from({ length: nItems }, (_, i) => String(i)),
  };
}

/**
 * The exposure model: user u with d_u interactions is shown round(exposures·d_u) further items, drawn ∝ popularity
 * (what a popularity-driven feed shows), and skips those outside their taste cluster: those become the user's
 * explicit negatives (distinct, never one of the user's interactions). Its own random stream, so the interactions do
 * not depend on it.
 */
function exposureNegatives(all: Interactions, global: Sampler, itemCluster: Int32Array, userCluster: Int32Array, exposures: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const pairs = new PairBuffer(Math.ceil(all.indptr[all.nUsers] * exposures));
  const mark = new Int32Array(all.nItems).fill(-1);
  for (let u = 0; u < all.nUsers; u++) {
    const start = all.indptr[u];
    const deg = all.indptr[u + 1] - start;
    for (let k = start; k < start + deg; k++) mark[all.indices[k]] = u;
    const want = Math.round(exposures * deg);
    let got = 0;
    for (let attempt = 0; got < want && attempt < want * 20; attempt++) {
      const i = draw(global, rng.float());
      if (mark[i] === u || itemCluster[i] === userCluster[u]) continue;
      mark[i] = u;
      pairs.push(u, i);
      got++;
    }
  }
  return fromPairs(pairs.users, pairs.items, all.nUsers, all.nItems, pairs.length);
}

interface Sampler {
  items: Int32Array;
  cum: Float64Array;
}

function cumulative(items: Int32Array, weight: Float64Array): Sampler {
  const cum = new Float64Array(items.length);
  let s = 0;
  for (let k = 0; k < items.length; k++) cum[k] = s += weight[items[k]];
  return { items, cum };
}

/** Item with probability ∝ weight, for r uniform in [0, 1). */
function draw(s: Sampler, r: number): number {
  const target = r * s.cum[s.cum.length - 1];
  let lo = 0;
  let hi = s.cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.cum[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return s.items[lo];
}
