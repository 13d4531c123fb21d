/**
 * The samplers that draw on their own (every sampler but the compositions of registry.ts, which draw part of their
 * negatives through one of these). A new sampler is one file exporting a SamplerSpec, added here.
 */
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
import { subsample } from './subsample';
import { twoGroup } from './two-group';
import { rejection } from './rejection';
import { mh } from './mh';
import { mixgcf } from './mixgcf';
import { irgan } from './irgan';

export const BASE_SAMPLERS: Record<string, SamplerSpec<any>> = Object.fromEntries(
  [uniform, popularity, inBatch, mixed, shared, dns, srns, gdns, hardRank, subsample, twoGroup, rejection, mh, mixgcf, irgan].map((s) => [s.name, s]),
);
