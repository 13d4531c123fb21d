import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { configReferenceMarkdown } from '../../src/engine/config/reference';

test('docs/config.md is the reference generated from the JSON Schema (run `npm run docs` after changing options)', () => {
  const onDisk = fs.readFileSync(path.join(process.env.RECLAB_ROOT!, 'docs/config.md'), 'utf8');
  assert.equal(onDisk, configReferenceMarkdown());
});
