/** Every shipped example config validates against the schema (so an example cannot rot when an option changes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../src/engine/config/validate';

const dir = path.resolve(process.env.RECLAB_ROOT ?? '.', 'examples');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.reclab.json'));

test('the examples folder holds the configs', () => {
  assert.ok(files.length >= 20, `${files.length} examples in ${dir}`);
});

for (const f of files) {
  test(`examples/${f} validates`, () => {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
    const c = resolveConfig(raw);
    assert.equal(typeof c.name, 'string');
  });
}
