import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText, didYouMean, knownKeys, lineColumn, parseJsonPath } from '../../src/extension/host/configCheck';

const ok = { name: 'x', dataset: { kind: 'synthetic', users: 50, items: 40 }, optimizer: { lr: 0.01 }, loss: { kind: 'bpr' } };

test('config check: a valid config has no problems', () => {
  assert.deepEqual(checkConfigText(JSON.stringify(ok, null, 2)), []);
  assert.deepEqual(checkConfigText(JSON.stringify({ $schema: 'anything', ...ok })), []);
});

test('config check: unknown keys are placed on the key, with "did you mean" from the schema at that path', () => {
  const text = JSON.stringify({ ...ok, optimizer: { lrr: 0.01 } }, null, 2);
  const [p, ...rest] = checkConfigText(text);
  assert.equal(rest.length, 0, JSON.stringify(rest));
  assert.equal(p!.message, '$.optimizer: unknown key "lrr" — did you mean "lr"?');
  assert.equal(p!.suggestion, 'lr');
  assert.equal(text.slice(p!.offset, p!.offset + p!.length), '"lrr"');
  assert.deepEqual(lineColumn(text, p!.offset), { line: 9, column: 5 });
  // top level, and inside a kinded section (the kind's own options)
  const top = checkConfigText(JSON.stringify({ ...ok, epochz: 3 }));
  assert.match(top[0]!.message, /^\$: unknown key "epochz"/);
  const loss = checkConfigText(JSON.stringify({ ...ok, loss: { kind: 'ssm', temprature: 0.1 } }));
  assert.ok(loss.some((x) => x.unknownKey === 'temprature'), JSON.stringify(loss));
  // no suggestion for something that is not a typo
  assert.equal(didYouMean('banana', ['lr', 'kind', 'momentum']), undefined);
  assert.equal(didYouMean('negatves', knownKeys({ sampler: { kind: 'uniform' } }, ['sampler'])), 'negatives');
});

test('config check: wrong types and values point at the value; JSON syntax errors at their offset', () => {
  const text = JSON.stringify({ ...ok, optimizer: { lr: 'fast' } }, null, 2);
  const [p] = checkConfigText(text);
  assert.match(p!.message, /^\$\.optimizer\.lr: expected number/);
  assert.equal(text.slice(p!.offset, p!.offset + p!.length), '"fast"');
  const bad = checkConfigText('{ "name": "x", }');
  assert.match(bad[0]!.message, /^JSON syntax/);
  assert.ok(bad[0]!.offset > 0);
  assert.deepEqual(parseJsonPath('$.a.b[2]["c d"]'), ['a', 'b', 2, 'c d']);
});

test('examples: the copy opened into a workspace drops the repository-relative "$schema", nothing else', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { exampleCopy } = await import('../../src/extension/host/examples');
  const dir = path.join(process.env.RECLAB_ROOT!, 'examples');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.reclab.json'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const copy = exampleCopy(text);
    const a = JSON.parse(text) as Record<string, unknown>;
    const b = JSON.parse(copy) as Record<string, unknown>;
    assert.equal(b.$schema, undefined, f);
    delete a.$schema;
    assert.deepEqual(b, a, f);
    assert.deepEqual(checkConfigText(copy), [], `${f} is a valid config once copied`);
  }
});
