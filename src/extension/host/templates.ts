/**
 * New-config templates (no vscode). The loss, sampler and dataset choices are read from the engine's emitted JSON
 * Schema (dist/schema/reclab.schema.json), so a loss or sampler added to the engine's registry shows up here without
 * touching the extension.
 */

export interface Choice {
  kind: string;
  description: string;
}

export interface TemplateChoices {
  datasets: Choice[];
  losses: Choice[];
  samplers: Choice[];
}

export interface ModelChoice {
  label: string;
  description: string;
  model: Record<string, unknown>;
  /** optimiser settings the backbone's reference uses (merged over the template's) */
  optimizer?: Record<string, unknown>;
}

export const MODEL_CHOICES: readonly ModelChoice[] = [
  { label: 'MF (dot)', description: 'matrix factorisation, inner-product score', model: { kind: 'mf', dim: 64, score: 'dot' } },
  { label: 'MF (cosine)', description: 'normalised embeddings; pairs with temperature-scaled losses', model: { kind: 'mf', dim: 64, score: 'cosine', evalScore: 'dot' } },
  {
    label: 'LightGCN (3 layers)',
    description: 'graph backbone: embeddings propagated over the normalised user–item graph, mean of layers 0..3 (He et al. 2020)',
    model: { kind: 'lightgcn', layers: 3, dim: 64, score: 'dot', init: { dist: 'xavier' } },
    optimizer: { lazy: false },
  },
  { label: 'MostPop', description: 'popularity baseline, no training', model: { kind: 'mostpop' } },
];

const FALLBACK: TemplateChoices = {
  datasets: [{ kind: 'synthetic', description: 'built-in synthetic data' }],
  losses: [{ kind: 'bpr', description: 'Bayesian personalised ranking' }],
  samplers: [{ kind: 'uniform', description: 'uniform negatives' }],
};

type Schemaish = { properties?: Record<string, { oneOf?: { description?: string; properties?: { kind?: { const?: unknown } } }[] }> };

export function choicesFromSchema(schema: unknown): TemplateChoices {
  const props = (schema as Schemaish | undefined)?.properties;
  const branch = (section: string): Choice[] =>
    (props?.[section]?.oneOf ?? [])
      .map((b) => ({ kind: String(b.properties?.kind?.const ?? ''), description: b.description ?? '' }))
      .filter((c) => c.kind);
  const out = { datasets: branch('dataset'), losses: branch('loss'), samplers: branch('sampler') };
  return {
    datasets: out.datasets.length ? out.datasets : FALLBACK.datasets,
    losses: out.losses.length ? out.losses : FALLBACK.losses,
    samplers: out.samplers.length ? out.samplers : FALLBACK.samplers,
  };
}

export interface TemplateSelection {
  name: string;
  dataset: string;
  model: ModelChoice;
  loss: string;
  sampler: string;
}

/** A small, valid starting config; everything not written takes the schema's default. */
export function composeConfig(sel: TemplateSelection): Record<string, unknown> {
  const dataset: Record<string, unknown> = { kind: sel.dataset };
  if (sel.dataset === 'lightgcn') dataset.path = 'data/yelp2018';
  if (sel.dataset === 'csv') Object.assign(dataset, { path: 'data/interactions.csv', columns: { user: 'user', item: 'item' } });
  if (sel.dataset === 'movielens') dataset.path = 'data/ml-1m/ratings.dat';
  const config: Record<string, unknown> = {
    name: sel.name,
    description: `${sel.model.label} · ${sel.loss} · ${sel.sampler} on ${sel.dataset}`,
    seed: 2020,
    dataset,
    model: sel.model.model,
    loss: { kind: sel.loss },
    sampler: { kind: sel.sampler, negatives: 1 },
    optimizer: { kind: 'adam', lr: 0.001, l2: 0.0001, ...sel.model.optimizer },
    train: { epochs: 20, batchSize: 1024 },
    eval: { every: 1, ks: [20], selectMetric: 'ndcg@20' },
  };
  if (sel.dataset === 'synthetic') {
    config.split = { validRatio: 0.1 };
    // the small built-in data learns fast: at lr 1e-3 a 20-epoch run was still rising at its last epoch; at 5e-3 MF-BPR
    // peaks near epoch 10 and patience (10 evaluations) ends the run well before the epoch limit
    config.optimizer = { kind: 'adam', lr: 0.005, l2: 0.0001, ...sel.model.optimizer };
    config.train = { epochs: 50, batchSize: 1024 };
  }
  return config;
}

/** A file name slug for a config name. */
export function configFileName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'experiment';
  return `${slug}.reclab.json`;
}
