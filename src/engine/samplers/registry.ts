/** Samplers by name. A new sampler is one file exporting a SamplerSpec, added here. */
import type { SamplerSpec } from './types';
import { uniform } from './uniform';
import { popularity } from './popularity';
import { inBatch } from './in-batch';
import { mixed } from './mixed';
import { shared } from './shared';
import { dns } from './dns';
import { srns } from './srns';
import { gdns } from './gdns';
import { hardRank } from './hard-rank';
import { mixgcf } from './mixgcf';

export const SAMPLERS: Record<string, SamplerSpec<any>> = Object.fromEntries(
  [uniform, popularity, inBatch, mixed, shared, dns, srns, gdns, hardRank, mixgcf].map((s) => [s.name, s]),
);

export function samplerSpec(name: string): SamplerSpec<any> {
  const s = SAMPLERS[name];
  if (!s) throw new Error(`unknown sampler "${name}" (known: ${Object.keys(SAMPLERS).join(', ')})`);
  return s;
}
