/**
 * Samplers by name: the ones that draw on their own (base-registry.ts, where a new sampler is added) and the
 * compositions that draw part of their negatives through one of those.
 */
import type { SamplerSpec } from './types';
import { BASE_SAMPLERS } from './base-registry';
import { realNegatives } from './real-negatives';
import { dfn } from './dfn';

export const SAMPLERS: Record<string, SamplerSpec<any>> = { ...BASE_SAMPLERS, ...Object.fromEntries([realNegatives, dfn].map((s) => [s.name, s])) };

export function samplerSpec(name: string): SamplerSpec<any> {
  const s = SAMPLERS[name];
  if (!s) throw new Error(`unknown sampler "${name}" (known: ${Object.keys(SAMPLERS).join(', ')})`);
  return s;
}
