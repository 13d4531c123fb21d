/** Samplers by name. A new sampler is one file exporting a SamplerSpec, added here. */
import type { SamplerSpec } from './types';
import { uniform } from './uniform';

export const SAMPLERS: Record<string, SamplerSpec<any>> = {
  [uniform.name]: uniform,
};

export function samplerSpec(name: string): SamplerSpec<any> {
  const s = SAMPLERS[name];
  if (!s) throw new Error(`unknown sampler "${name}" (known: ${Object.keys(SAMPLERS).join(', ')})`);
  return s;
}
