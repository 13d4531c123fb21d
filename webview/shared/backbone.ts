/**
 * The backbone of a run as its resolved config states it: a short label for the dashboard header and a `backbone`
 * row for the compare view's config diff. Graph-only settings (model.layers, model.pooling) are dropped from the diff
 * of a backbone they do not apply to, so an MF run never shows "3 layers".
 */

export interface BackboneFacts {
  kind: string;
  /** "LightGCN · 3 layers · mean pooling · d=64", "MF · d=64" */
  label: string;
  layers?: number;
}

const GRAPH_BACKBONES = new Set(['lightgcn']);
const NAMES: Record<string, string> = { mf: 'MF', lightgcn: 'LightGCN', mostpop: 'MostPop' };

function modelOf(config: unknown): Record<string, unknown> | undefined {
  if (!config || typeof config !== 'object') return undefined;
  const m = (config as Record<string, unknown>).model;
  return m && typeof m === 'object' ? (m as Record<string, unknown>) : undefined;
}

export function backboneOf(config: unknown): BackboneFacts | undefined {
  const m = modelOf(config);
  if (!m || typeof m.kind !== 'string') return undefined;
  const kind = m.kind;
  const parts = [NAMES[kind] ?? kind];
  let layers: number | undefined;
  if (GRAPH_BACKBONES.has(kind)) {
    layers = typeof m.layers === 'number' ? m.layers : 3;
    parts.push(`${layers} layer${layers === 1 ? '' : 's'}`);
    parts.push(`${typeof m.pooling === 'string' ? m.pooling : 'mean'} pooling`);
  }
  if (kind !== 'mostpop' && typeof m.dim === 'number') parts.push(`d=${m.dim}`);
  return { kind, label: parts.join(' · '), ...(layers !== undefined ? { layers } : {}) };
}

/** The config as the diff shows it: a leading `backbone` label, graph-only keys removed for non-graph backbones. */
export function configForDiff(config: unknown): unknown {
  const b = backboneOf(config);
  if (!b) return config;
  const c = config as Record<string, unknown>;
  const model = { ...modelOf(config)! };
  if (!GRAPH_BACKBONES.has(b.kind)) {
    delete model.layers;
    delete model.pooling;
  }
  return { backbone: b.label, ...c, model };
}
