/** Backbones by name (config `model.kind`). A new backbone is one file exporting a BackboneSpec, added here. */
import type { BackboneSpec } from './types';
import { mf } from './mf';
import { lightgcn } from './lightgcn';

export const BACKBONES: Record<string, BackboneSpec> = Object.fromEntries([mf, lightgcn].map((s) => [s.name, s]));

export function backboneSpec(name: string): BackboneSpec {
  const s = BACKBONES[name];
  if (!s) throw new Error(`unknown backbone "${name}" (known: ${Object.keys(BACKBONES).join(', ')})`);
  return s;
}
