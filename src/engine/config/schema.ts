/**
 * The JSON Schema of a RecLab experiment (`*.reclab.json`). Single source of truth for validation, defaults, editor
 * completion (emitted to dist/schema/reclab.schema.json by `reclab schema`) and the config reference in docs/.
 * Loss and sampler options come from their registries, so a new loss or sampler documents itself.
 */
import type { JsonSchema } from './json-schema';
import { LOSSES } from '../losses/registry';
import { SAMPLERS } from '../samplers/registry';
import { TEMPERATURES } from '../temperature';
import { DEFAULT_KERNELS, KERNEL_IMPLS } from '../wasm/kernel-impl';

const num = (description: string, def: number, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'number', description, default: def, ...extra });
const int = (description: string, def: number, extra: Partial<JsonSchema> = {}): JsonSchema => ({ type: 'integer', description, default: def, ...extra });
const obj = (description: string, properties: Record<string, JsonSchema>, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: 'object', description, properties, additionalProperties: false, default: {}, ...extra,
});
/**
 * Upper bounds that no real experiment reaches but that stop a typo (1e10 users) before anything is allocated; what
 * fits in between is decided by the memory estimate (src/engine/estimate.ts) against this machine's memory.
 */
export const LIMITS = {
  /** users, items, clusters: typed-array indices are 32-bit; 100 M rows of a 64-dim table alone is 25 GB */
  rows: 100_000_000,
} as const;
const SEED: Partial<JsonSchema> = { minimum: 0, maximum: 2 ** 32 - 1 };

const columnRef: JsonSchema = { type: ['string', 'integer'], description: 'column name (with header) or 0-based index' };

export const DATASET_KINDS: Record<string, JsonSchema> = {
  synthetic: obj('Built-in deterministic synthetic data: latent clusters and power-law item popularity.', {
    kind: { const: 'synthetic' },
    users: int('number of users', 3000, { minimum: 2, maximum: LIMITS.rows }),
    items: int('number of items', 2000, { minimum: 2, maximum: LIMITS.rows }),
    interactionsPerUser: num('mean interactions per user', 30, { exclusiveMinimum: 1, maximum: 100_000 }),
    clusters: int('latent clusters of users and items', 20, { minimum: 1, maximum: LIMITS.rows }),
    popularityExponent: num('Zipf exponent of item popularity', 1.0, { minimum: 0, maximum: 10 }),
    seed: int('generator seed', 7, SEED),
    testRatio: num('share of each user\'s interactions held out for test', 0.2, { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    exposures: num('exposure model: skipped impressions per user, as a multiple of the user\'s interactions — items shown ∝ popularity from outside the user\'s taste cluster and not clicked, kept as explicit negatives for the real-negative samplers (0 = none; the interactions are the same either way)', 0, { minimum: 0, maximum: 100 }),
  }, { required: ['kind'] }),
  lightgcn: obj('LightGCN / NGCF text files: one line per user, "uid item item …" (e.g. ../shared/data/yelp2018).', {
    kind: { const: 'lightgcn' },
    path: { type: 'string', description: 'folder holding train.txt and test.txt (relative to the config file)' },
    train: { type: 'string', description: 'explicit train file (overrides path/train.txt)' },
    test: { type: 'string', description: 'explicit test file (overrides path/test.txt)' },
  }, { required: ['kind'] }),
  csv: obj('CSV/TSV interactions with a column mapping.', {
    kind: { const: 'csv' },
    path: { type: 'string', description: 'file (relative to the config file)' },
    delimiter: { type: 'string', default: ',', description: 'field separator ("\\t" for TSV)' },
    header: { type: 'boolean', default: true, description: 'first line names the columns' },
    columns: {
      type: 'object', additionalProperties: false, required: ['user', 'item'],
      properties: { user: columnRef, item: columnRef, rating: columnRef, timestamp: columnRef },
      default: { user: 'user', item: 'item' },
    },
    ratingThreshold: { type: 'number', description: 'keep rows with rating ≥ threshold' },
    negativeRatingAtMost: { type: 'number', description: 'rows with rating ≤ this are explicit negatives (exposed, not clicked: e.g. 2 for 1–5 stars, 0 for a click label), kept per user for the real-negative samplers; below ratingThreshold' },
  }, { required: ['kind', 'path'] }),
  movielens: obj('MovieLens "user::item::rating::timestamp" files (ratings.dat).', {
    kind: { const: 'movielens' },
    path: { type: 'string', description: 'ratings.dat (relative to the config file)' },
    ratingThreshold: { type: 'number', description: 'keep ratings ≥ threshold' },
  }, { required: ['kind', 'path'] }),
  catalog: obj('A dataset of the catalogue (reclab datasets list), found in the cache or fetched and verified first: {"catalog": "yelp2018"}.', {
    kind: { const: 'catalog' },
    catalog: { type: 'string', minLength: 1, description: 'catalogue name (yelp2018, gowalla, amazon-book, ml-100k, ml-1m, synthetic), optionally name@version' },
    fetch: { type: 'boolean', default: true, description: 'download it into the cache ($RECLAB_DATA) when missing; false = fail instead' },
    from: { type: 'string', description: 'mirror base URL (files at <url>/<name>/<file>) or local folder to fetch from instead of the catalogue URLs' },
    ratingThreshold: { type: 'number', description: 'keep ratings ≥ threshold (MovieLens entries)' },
  }, { required: ['kind', 'catalog'] }),
};

function registryBranches(registry: Record<string, { name: string; description: string; options: Record<string, JsonSchema> }>, common: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const spec of Object.values(registry)) {
    out[spec.name] = obj(spec.description, { kind: { const: spec.name }, ...common, ...spec.options }, { required: ['kind'] });
  }
  return out;
}

export const SAMPLER_COMMON: Record<string, JsonSchema> = {
  negatives: int('negatives per positive (per-row samplers) or per batch (shared samplers)', 1, { minimum: 1, maximum: 1 << 20 }),
  rejectPositives: { type: 'boolean', default: true, description: 'never return an item of the user\'s training set' },
};

export function lossKinds(): Record<string, JsonSchema> {
  return registryBranches(LOSSES, {});
}
export function samplerKinds(): Record<string, JsonSchema> {
  return registryBranches(SAMPLERS, SAMPLER_COMMON);
}
export function temperatureKinds(): Record<string, JsonSchema> {
  return registryBranches(TEMPERATURES, {});
}

/** Sections whose object shape depends on `kind`; validated in a second phase against the chosen branch. */
export const KINDED_SECTIONS = {
  dataset: () => DATASET_KINDS,
  loss: lossKinds,
  sampler: samplerKinds,
  temperature: temperatureKinds,
} as const;

const kinded = (description: string, kinds: Record<string, JsonSchema>, def: string): JsonSchema => ({
  type: 'object', description, default: { kind: def }, required: ['kind'],
  properties: { kind: { enum: Object.keys(kinds), description: 'which one' } },
});

/** The top-level schema used for the first validation phase (kinded sections only checked for `kind`). */
export function topLevelSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'RecLab experiment',
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', minLength: 1, maxLength: 200, description: 'experiment name; runs are grouped by it' },
      description: { type: 'string' },
      seed: int('seed of every random choice (init, sampling, shuffling)', 2020, SEED),
      dataset: kinded('where the interactions come from', DATASET_KINDS, 'synthetic'),
      split: obj('how train / validation / test are formed', {
        method: { enum: ['given', 'ratio', 'leave-last-out'], default: 'given', description: 'given: the source\'s own split (synthetic and lightgcn); ratio: random per-user holdout; leave-last-out: latest interaction by timestamp' },
        testRatio: num('share held out per user (method ratio)', 0.2, { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
        validRatio: num('share of each user\'s training items carved out for validation (0 = none; the papers\' protocol)', 0.1, { minimum: 0, exclusiveMaximum: 1 }),
        seed: int('split seed', 2020, SEED),
        kcore: obj('iterative k-core filter before splitting (0 = off)', {
          user: int('minimum interactions per user', 0, { minimum: 0, maximum: LIMITS.rows }),
          item: int('minimum interactions per item', 0, { minimum: 0, maximum: LIMITS.rows }),
        }),
      }),
      model: obj('the scoring model', {
        kind: { enum: ['mf', 'lightgcn', 'mostpop'], default: 'mf', description: 'mf: matrix factorisation; lightgcn: LightGCN, embeddings propagated over the normalised user–item graph (model.layers); mostpop: popularity baseline (no training)' },
        dim: int('embedding dimension', 64, { minimum: 1, maximum: 4096 }),
        layers: int('lightgcn: propagation layers L (the final embedding is the mean of layers 0..L; 0 = MF scored the LightGCN way)', 3, { minimum: 0, maximum: 8 }),
        pooling: { enum: ['mean', 'sum', 'concat', 'final'], default: 'mean', description: 'lightgcn: the final embedding from layers 0..L, as MixGCF\'s pool: mean (LightGCN), sum, concat (the layers side by side, D·(L+1) wide: scores Σ_l ⟨e_u^(l), e_i^(l)⟩) or final (layer L only); a mixgcf sampler pools its negatives the same way' },
        messageDropout: num('lightgcn, training only: dropout rate of each hop\'s aggregated embedding, rescaled by 1/(1−p), fresh masks every step and hop; evaluation propagates without it (MixGCF / Adap-τ mess_dropout; Adap-τ\'s LightGCN on Yelp2018 uses 0.1)', 0, { minimum: 0, exclusiveMaximum: 1 }),
        edgeDropout: num('lightgcn, training only: dropout rate of the normalised adjacency\'s non-zeros at every hop, rescaled by 1/(1−p) (MixGCF / Adap-τ edge_dropout; off in their published runs)', 0, { minimum: 0, exclusiveMaximum: 1 }),
        score: { enum: ['dot', 'cosine'], default: 'dot', description: 'training score: inner product, or cosine of L2-normalised embeddings' },
        evalScore: { enum: ['same', 'dot', 'cosine'], default: 'same', description: 'evaluation score; SSM and LightGCN-Adap-τ train on cosine but rank by raw dot' },
        init: obj('embedding initialisation', {
          dist: { enum: ['normal', 'xavier', 'uniform'], default: 'normal', description: 'normal N(0,std²), xavier-uniform, or uniform(−std, std)' },
          std: num('standard deviation (normal) or half-width (uniform)', 0.1, { minimum: 0 }),
          from: {
            type: ['string', 'null'], default: null,
            description: 'start from a previous run\'s best checkpoint instead of random tables (warm start, fine-tuning at a lower lr): a run directory, its checkpoints/best folder, or a runs folder (the latest run that has one), relative to the config file; users × items × dim must match',
          },
        }),
        userDropout: num('dropout on the user vector during training (SimpleX, Adap-τ use 0.1)', 0, { minimum: 0, exclusiveMaximum: 1 }),
        fastPath: {
          type: 'boolean', default: true,
          description: 'closed-form step without tfjs when it applies (dot scores, a loss with closed-form score gradients such as BPR, per-row negatives, no dropout, no logQ): same numbers up to float rounding, several times faster; false = always tfjs autograd',
        },
      }),
      loss: kinded('training loss', lossKinds(), 'bpr'),
      temperature: kinded('embedding temperature τ of temperature-scaled losses: fixed, Adap-τ₀ (adaptive-global) or Adap-τ (adaptive)', temperatureKinds(), 'fixed'),
      sampler: kinded('negative sampler', samplerKinds(), 'uniform'),
      optimizer: obj('sparse optimiser over the batch rows', {
        kind: { enum: ['adam', 'adagrad', 'sgd'], default: 'adam', description: 'Adam (lazy or dense: see lazy), Adagrad or SGD' },
        lazy: {
          type: 'boolean', default: true,
          description: 'Adam only. true: lazy Adam (TF LazyAdam, torch SparseAdam) — only the batch rows\' moments and weights move, cost O(batch); false: dense Adam as the reference codes run it (torch.optim.Adam / TF Adam on embedding tables) — every row\'s moments decay and every row keeps moving with its momentum each step, cost O(table) per step. Matters when few items are touched per step (shared negatives, one negative per row)',
        },
        lr: num('learning rate', 1e-3, { exclusiveMinimum: 0 }),
        l2: num('L2 weight λ', 1e-4, { minimum: 0 }),
        l2Mode: { enum: ['batch', 'batch-sum', 'none'], default: 'batch', description: 'batch: λ·½Σ‖rows‖²/B on the batch rows (LightGCN); batch-sum: not divided by B (SSM); none' },
        l2Layers: { enum: ['ego', 'all'], default: 'ego', description: 'lightgcn: the L2 covers the batch rows\' layer-0 (ego) embeddings (LightGCN, MixGCF) or every layer e^(0..L) (Adap-τ\'s LGN_tau, whose regularizer takes the [B, L+1, D] hop stacks)' },
        beta1: num('Adam β1', 0.9, { minimum: 0, exclusiveMaximum: 1 }),
        beta2: num('Adam β2', 0.999, { minimum: 0, exclusiveMaximum: 1 }),
        eps: num('Adam / Adagrad ε', 1e-8, { exclusiveMinimum: 0 }),
      }),
      train: obj('training loop', {
        epochs: int('maximum epochs', 50, { minimum: 0, maximum: 1_000_000 }),
        batchSize: int('rows per step', 2048, { minimum: 1, maximum: 1 << 20 }),
        sampling: { enum: ['interaction', 'user'], default: 'interaction', description: 'interaction: one pass over shuffled (u,i) pairs; user: ⌊|R|/|U|⌋ rows per user (LightGCN-PyTorch)' },
        backend: { enum: ['auto', 'tensorflow', 'wasm', 'cpu'], default: 'auto', description: 'tfjs backend (auto: tfjs-node when installed, then wasm, then cpu)' },
        threads: int('threads of the training kernels (the fused many-negative step, dense Adam); 0 = one per core. Results do not depend on it', 0, { minimum: 0, maximum: 256 }),
        kernels: { enum: [...KERNEL_IMPLS], default: DEFAULT_KERNELS, description: 'implementation of the sparse product (graph backbones) and the dense products of the fused many-negative step: native (C with AVX2 / AVX-512, built at install time; an addon that cannot load is an error) or wasm (WebAssembly SIMD). Results agree to float rounding' },
        logEvery: int('emit a step event every N steps', 10, { minimum: 1, maximum: 1e9 }),
        lrDecayOnPlateau: num('multiply lr by this when the selection metric plateaus for patience evaluations, and keep going (0 = stop instead)', 0, { minimum: 0, exclusiveMaximum: 1 }),
        reloadBestOnPlateau: { type: 'boolean', default: false, description: 'with lrDecayOnPlateau: reload the best epoch\'s embeddings when the lr decays (RecZoo / SimpleX protocol; the optimiser state is kept)' },
      }),
      eval: obj('evaluation and model selection', {
        every: int('evaluate every N epochs', 1, { minimum: 1, maximum: 1_000_000 }),
        ks: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 10_000 }, minItems: 1, maxItems: 32, default: [10, 20, 50], description: 'cut-offs K' },
        metrics: { type: 'array', items: { enum: ['recall', 'ndcg', 'precision', 'hit', 'mrr', 'coverage', 'gini', 'arp', 'aplt'] }, minItems: 1, default: ['recall', 'ndcg', 'precision', 'hit', 'mrr'], description: 'accuracy metrics, and the beyond-accuracy coverage, gini (of item exposure), arp (average recommendation popularity), aplt (average percentage of long-tail items), each at every K' },
        selectMetric: { type: 'string', pattern: '^(recall|ndcg|precision|hit|mrr)@[0-9]+$', default: 'ndcg@20', description: 'metric that picks the best epoch, e.g. recall@20' },
        selectOn: { enum: ['test', 'valid'], default: 'valid', description: 'valid: honest protocol (needs split.validRatio > 0); test: the papers\' protocol (best epoch picked on test)' },
        patience: int('stop after this many evaluations without improvement (0 = never)', 10, { minimum: 0, maximum: 1_000_000 }),
        blockUsers: int('users scored per block', 1024, { minimum: 1, maximum: 1 << 20 }),
        workers: int('evaluation worker threads (0 = one per core)', 0, { minimum: 0, maximum: 256 }),
        popularityGroups: int('item-popularity groups for recall by popularity (0 = off)', 5, { minimum: 0, maximum: 1000 }),
        headShare: num('aplt: share of training interactions held by the short head (the most popular items); the other items are the long tail', 0.8, { minimum: 0, maximum: 1 }),
        sampledNegatives: int('also report accuracy metrics ranked among the targets and N uniformly sampled negatives per user, labelled recall@10/s100 (some papers use 100 or 1000); 0 = off. Never used for model selection', 0, { minimum: 0, maximum: 1_000_000 }),
      }),
      sweep: {
        type: 'object', description: 'grid over dotted config paths: {"optimizer.lr": [1e-3, 1e-4]} gives one run per point',
        additionalProperties: { type: 'array', minItems: 1 },
      },
      repeat: {
        type: 'object', additionalProperties: false, required: ['seeds'],
        description: 'train once per seed and group the runs (mean ± std, 95 % interval, paired tests in `reclab compare`); `reclab train --seeds N` does the same with seeds seed … seed+N−1',
        properties: {
          seeds: { type: 'array', items: { type: 'integer' }, minItems: 1, uniqueItems: true, description: 'the value of `seed` for each run of the group' },
        },
      },
      search: {
        type: 'object', additionalProperties: false,
        description: 'how `reclab sweep` explores: grid over `sweep`, or random / TPE over a typed space, with budgets and ASHA early stopping (docs/scale.md)',
        properties: {
          strategy: { enum: ['grid', 'random', 'tpe'], default: 'grid', description: 'grid: every point of `sweep` (and of the choice parameters of `space`); random: independent draws from `space`; tpe: Tree-structured Parzen Estimator (Bergstra et al. 2011) after random start-up draws' },
          space: {
            type: 'object', default: {},
            description: 'typed parameters by dotted config path, e.g. {"optimizer.lr": {"type": "log-uniform", "min": 1e-4, "max": 1e-1}}; a `sweep` entry counts as a choice',
            additionalProperties: {
              type: 'object', required: ['type'],
              properties: {
                type: { enum: ['uniform', 'log-uniform', 'integer', 'choice'], description: 'uniform / log-uniform on [min, max]; integer: uniform on the integers min … max; choice: one of values' },
                min: { type: 'number' },
                max: { type: 'number' },
                values: { type: 'array', minItems: 1 },
              },
              additionalProperties: false,
            },
          },
          budget: obj('when the search stops proposing runs (the grid stops at its last point anyway)', {
            runs: int('maximum number of runs (random and tpe need it or wallSeconds)', 0, { minimum: 0 }),
            wallSeconds: num('stop launching new runs after this many seconds of sweep time (0 = no limit)', 0, { minimum: 0 }),
          }),
          seed: int('seed of the search (random draws, TPE proposals)', 0),
          parallel: int('slurm: array tasks running at the same time (the array\'s %k) and the batch size of TPE proposals; a local sweep runs one trial at a time (in VS Code: reclab.concurrency)', 1, { minimum: 1 }),
          tpe: obj('TPE settings', {
            startup: int('random draws before the model proposes', 5, { minimum: 1 }),
            gamma: num('share of the finished runs that form the "good" density', 0.25, { exclusiveMinimum: 0, exclusiveMaximum: 1 }),
            candidates: int('candidates drawn from the good density per proposal (the best ratio wins)', 24, { minimum: 1 }),
          }),
          scheduler: obj('early stopping across the sweep', {
            kind: { enum: ['none', 'asha'], default: 'none', description: 'asha: asynchronous successive halving on the selection metric at evaluation epochs (Li et al. 2020; the stopping rule of Ray Tune\'s ASHAScheduler)' },
            minEpochs: int('first rung: epochs every run gets (the grace period)', 1, { minimum: 1 }),
            eta: num('reduction factor: rungs at minEpochs·etaᵏ, the top 1/eta at each rung continue', 3, { exclusiveMinimum: 1 }),
          }),
        },
      },
      executor: {
        type: 'object', required: ['kind'],
        description: 'where runs execute: local (processes on this machine, the default) or slurm (sbatch; a sweep is one job array)',
        properties: {
          kind: { enum: ['local', 'slurm'], default: 'local', description: 'which executor' },
          partition: { type: 'string', description: 'slurm: --partition' },
          time: { type: 'string', description: 'slurm: --time, e.g. "02:00:00" (when absent: the measured time estimate × 1.5 + 10 min, docs/scale.md)' },
          cpus: { type: 'integer', minimum: 1, description: 'slurm: --cpus-per-task' },
          mem: { type: 'string', description: 'slurm: --mem, e.g. "8G" (when absent: the memory estimate when one is plugged in, else the partition\'s default)' },
          sbatchArgs: { type: 'array', items: { type: 'string' }, default: [], description: 'slurm: further sbatch options, e.g. ["--account=lab", "--gres=gpu:1"]' },
          node: { type: 'string', description: 'slurm: the node binary on the cluster (default: the one running reclab)' },
        },
        additionalProperties: false,
      },
    },
  };
}

/** The full schema for editors: kinded sections as oneOf branches so completion knows every option. */
export function editorSchema(): JsonSchema {
  const top = topLevelSchema();
  const props = { ...(top.properties as Record<string, JsonSchema>) };
  for (const [key, kinds] of Object.entries(KINDED_SECTIONS)) {
    props[key] = { description: props[key].description, default: props[key].default, oneOf: Object.values(kinds()) };
  }
  return { ...top, $id: 'https://reclab.dev/schema/reclab.schema.json', properties: props };
}
