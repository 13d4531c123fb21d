/** Losses by name. A new loss is one file exporting a LossSpec, added here. */
import type { LossSpec } from './types';
import { bpr } from './bpr';
import { bce } from './bce';
import { ssm } from './ssm';
import { ccl } from './ccl';
import { mscl } from './mscl';
import { mmcl } from './mmcl';
import { gdnsHinge } from './gdns-hinge';
import { adapTau } from './adap-tau';
import { nce } from './nce';
import { isSoftmax } from './is-softmax';

export const LOSSES: Record<string, LossSpec<any>> = Object.fromEntries(
  [bpr, bce, ssm, ccl, mscl, mmcl, gdnsHinge, adapTau, nce, isSoftmax].map((s) => [s.name, s]),
);

export function lossSpec(name: string): LossSpec<any> {
  const s = LOSSES[name];
  if (!s) throw new Error(`unknown loss "${name}" (known: ${Object.keys(LOSSES).join(', ')})`);
  return s;
}
