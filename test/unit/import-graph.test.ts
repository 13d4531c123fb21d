/**
 * The dependency directions of the source tree, over the import graph read by the TypeScript compiler's own import
 * scanner (type-only imports included, which a bundler's graph drops):
 * - the engine (src/engine) never imports the CLI, the extension, the webviews or `vscode`;
 * - runs/ and protocol/ (shared by the engine, the CLI and the extension) import neither the CLI nor the extension;
 * - no import cycle anywhere under src/ and webview/;
 * - a backbone's file (src/engine/models/<name>.ts) is imported only by the models folder itself: everything else goes
 *   through models/types.ts and models/registry.ts, and shared types live in their own module, not in a model file.
 * A violation names the importing file, the import and the rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = process.env.RECLAB_ROOT ?? process.cwd();

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return null;
}

interface Graph {
  files: string[];
  /** file → [resolved file or bare module name] */
  edges: Map<string, string[]>;
}

function importGraph(): Graph {
  const files = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'webview'))];
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    edges.set(f, info.importedFiles.map((i) => resolve(f, i.fileName) ?? i.fileName));
  }
  return { files, edges };
}

const rel = (f: string): string => path.relative(root, f).split(path.sep).join('/');

test('the import graph is read: it has the engine, the CLI and the extension, and resolves relative imports', () => {
  const g = importGraph();
  const names = new Set(g.files.map(rel));
  for (const f of ['src/engine/train.ts', 'src/cli/main.ts', 'src/extension/extension.ts', 'src/engine/models/registry.ts']) assert.ok(names.has(f), f);
  const trainImports = g.edges.get(path.join(root, 'src/engine/train.ts'))!.map((f) => (path.isAbsolute(f) ? rel(f) : f));
  assert.ok(trainImports.includes('src/engine/models/registry.ts'), trainImports.join(', '));
});

test('dependency directions: the engine never imports the CLI, the extension, the webviews or vscode', () => {
  const g = importGraph();
  const bad: string[] = [];
  for (const [f, deps] of g.edges) {
    const from = rel(f);
    for (const d of deps) {
      const to = path.isAbsolute(d) ? rel(d) : d;
      const engineOrShared = from.startsWith('src/engine/') || from.startsWith('src/runs/') || from.startsWith('src/protocol/');
      if (engineOrShared && (to.startsWith('src/cli/') || to.startsWith('src/extension/') || to.startsWith('webview/') || to === 'vscode')) {
        bad.push(`${from} imports ${to}`);
      }
    }
  }
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('no import cycles under src/ and webview/', () => {
  const g = importGraph();
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const d of g.edges.get(f) ?? []) {
      if (!g.edges.has(d)) continue;
      const s = state.get(d);
      if (s === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map(rel).join(' → '));
      else if (!s) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of g.files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, [], cycles.join('\n'));
});

test('a backbone file is imported only by the models folder (the rest goes through models/types.ts and models/registry.ts)', () => {
  const g = importGraph();
  const shared = new Set(['src/engine/models/types.ts', 'src/engine/models/registry.ts']);
  const bad: string[] = [];
  for (const [f, deps] of g.edges) {
    const from = rel(f);
    if (from.startsWith('src/engine/models/')) continue;
    for (const d of deps) {
      if (!path.isAbsolute(d)) continue;
      const to = rel(d);
      if (to.startsWith('src/engine/models/') && !shared.has(to)) bad.push(`${from} imports ${to}`);
    }
  }
  assert.deepEqual(bad, [], bad.join('\n'));
});
