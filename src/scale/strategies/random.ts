import { samplePoint } from '../space';
import type { SearchStrategy } from './types';

/** Independent draws of every parameter from its distribution. */
export const random: SearchStrategy = {
  name: 'random',
  description: 'independent draws from the space',
  finite: false,
  propose: ({ params, rng }) => samplePoint(params, rng),
};
