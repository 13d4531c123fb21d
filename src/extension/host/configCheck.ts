/**
 * Checks the text of a *.reclab.json the way the engine will (no vscode): JSON syntax, then the engine's own
 * validation (`resolveConfig`, and each sweep point), each problem placed on the key or value it is about, with a
 * "did you mean" for unknown keys. The extension shows these as errors in the Problems panel and refuses to train a
 * config that has any.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import type { JsonSchema } from '../../engine/config/json-schema';
import { KINDED_SECTIONS, topLevelSchema } from '../../engine/config/schema';
import { ConfigError, resolveConfig, resolveSweep } from '../../engine/config/validate';

export interface ConfigProblem {
  /** what is wrong, starting with its JSON path ("$.optimizer.lrr: unknown key …") */
  message: string;
  /** character range in the text */
  offset: number;
  length: number;
  /** for an unknown key: the known key it most likely means */
  suggestion?: string;
  /** the unknown key itself (for a quick fix) */
  unknownKey?: string;
}

type Segment = string | number;

/** "$.a.b[0]["x y"]" → ['a', 'b', 0, 'x y'] */
export function parseJsonPath(p: string): Segment[] {
  const out: Segment[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  const body = p.startsWith('$') ? p.slice(1) : p;
  while ((m = re.exec(body))) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  return out;
}

/** Damerau-free Levenshtein distance (small strings; config keys). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest of `known` to `word`, when it is close enough to be a typo. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== undefined && bestD <= limit ? best : undefined;
}

/** The keys allowed in the object at `path` of a config (`json` gives the kinds of kinded sections). */
export function knownKeys(json: unknown, path: readonly Segment[]): string[] {
  let schema: JsonSchema | undefined = topLevelSchema();
  let value: unknown = json;
  for (let i = 0; i < path.length && schema; i++) {
    const seg = path[i]!;
    value = (value as Record<string | number, unknown> | undefined)?.[seg];
    if (i === 0 && typeof seg === 'string' && seg in KINDED_SECTIONS) {
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      const kinds = KINDED_SECTIONS[seg as keyof typeof KINDED_SECTIONS]() as Record<string, JsonSchema>;
      schema = typeof kind === 'string' ? kinds[kind] : undefined;
      if (!schema) return ['kind'];
      continue;
    }
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    schema = typeof seg === 'string' ? props?.[seg] : (schema.items as JsonSchema | undefined);
  }
  return Object.keys((schema?.properties as Record<string, JsonSchema> | undefined) ?? {});
}

function rangeOf(root: Node | undefined, path: Segment[], key?: string): { offset: number; length: number } {
  if (!root) return { offset: 0, length: 0 };
  if (key !== undefined) {
    const obj = findNodeAtLocation(root, path);
    const prop = obj?.children?.find((c) => c.type === 'property' && c.children?.[0]?.value === key);
    const k = prop?.children?.[0];
    if (k) return { offset: k.offset, length: k.length };
  }
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n));
    if (!node) continue;
    // a value's key reads better than the value's whole extent for objects
    if (node.parent?.type === 'property' && node.type === 'object') {
      const k = node.parent.children![0]!;
      return { offset: k.offset, length: k.length };
    }
    return { offset: node.offset, length: node.length };
  }
  return { offset: root.offset, length: 1 };
}

function fromConfigError(e: unknown, prefix = ''): string[] {
  if (e instanceof ConfigError) return e.problems.map((p) => prefix + p);
  return [prefix + ((e as Error).message ?? String(e))];
}

/** Every problem of a config text; an empty list means the engine will accept it. */
export function checkConfigText(text: string): ConfigProblem[] {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length) {
    return errors.map((e) => ({ message: `JSON syntax: ${printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`, offset: e.offset, length: Math.max(1, e.length) }));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return [{ message: `JSON syntax: ${(e as Error).message}`, offset: 0, length: 1 }];
  }
  let messages: string[] = [];
  try {
    resolveConfig(json);
    if (json && typeof json === 'object' && (json as { sweep?: unknown }).sweep) resolveSweep(json as Record<string, unknown>);
  } catch (e) {
    messages = fromConfigError(e);
  }
  return [...new Set(messages)].map((message) => {
    const m = /^(\$[^:]*):\s*(.*)$/s.exec(message);
    const path = m ? parseJsonPath(m[1]!) : [];
    const unknown = m ? /^unknown key "([^"]+)"/.exec(m[2]!)?.[1] : undefined;
    if (unknown !== undefined) {
      const suggestion = didYouMean(unknown, knownKeys(json, path));
      const range = rangeOf(root, path, unknown);
      return { message: suggestion ? `${message} — did you mean "${suggestion}"?` : message, ...range, suggestion, unknownKey: unknown };
    }
    return { message, ...rangeOf(root, path) };
  });
}

/** 1-based line:column of an offset, for lists outside the editor. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) {
    line++;
    last = i;
  }
  return { line, column: offset - last };
}
