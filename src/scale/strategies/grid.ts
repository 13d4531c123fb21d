import { gridPoint, gridSize } from '../space';
import type { SearchStrategy } from './types';

/** Every point of the product of the choices, in `sweep` expansion order. */
export const grid: SearchStrategy = {
  name: 'grid',
  description: 'every point of the grid of choices, in order',
  finite: true,
  propose: ({ params, index }) => (index < gridSize(params) ? gridPoint(params, index) : null),
};
