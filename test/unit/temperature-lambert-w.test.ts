import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lambertW0 } from '../../src/engine/temperature/lambert-w';

// W₀ reference values (scipy.special.lambertw / DLMF 4.13 closed forms)
const known: [number, number][] = [
  [-Math.exp(-1), -1],
  [-0.3, -0.4894022271802149],
  [-0.2, -0.2591711018190737],
  [-0.1, -0.11183255915896297],
  [0, 0],
  [1e-8, 9.9999999e-9],
  [0.5, 0.35173371124919584],
  [1, 0.5671432904097838],
  [Math.E, 1],
  [10, 1.7455280027406994],
  [2 * Math.exp(2), 2],
  [100, 3.385630140290050],
  [1000, 5.249602852401596],
  [1e6, 11.383358086140053],
];

test('Lambert W₀ matches known values', () => {
  for (const [x, w] of known) {
    const got = lambertW0(x);
    assert.ok(Math.abs(got - w) <= 1e-12 * Math.max(1, Math.abs(w)) + 1e-15, `W0(${x}) = ${got}, expected ${w}`);
  }
});

test('Lambert W₀ inverts w·e^w on a grid from the branch point to 1000, and is increasing', () => {
  let previous = -Infinity;
  for (let x = -Math.exp(-1) + 1e-9; x <= 1000; x += x < 1 ? 1e-3 : 0.37) {
    const w = lambertW0(x);
    assert.ok(w >= -1 && w > previous, `W0 not increasing at ${x}`);
    // near the branch point the inverse is ill-conditioned in w, so check the residual in x
    assert.ok(Math.abs(w * Math.exp(w) - x) <= 1e-12 * Math.max(1, Math.abs(x)), `w·e^w − x = ${w * Math.exp(w) - x} at x = ${x}`);
    previous = w;
  }
});

test('Lambert W₀ is NaN below −1/e', () => {
  assert.ok(Number.isNaN(lambertW0(-0.4)));
  assert.ok(Number.isNaN(lambertW0(NaN)));
});
