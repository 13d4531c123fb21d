import type { Interactions } from '../data/types';
import { makeLayout, type MetricLayout } from './layout';
import { popularityGroups, type PopularityGroups } from './popularity';
import type { EvalRequest } from './types';

export interface CsrRows {
  indptr: Int32Array;
  indices: Int32Array;
}

/**
 * Everything a scorer needs, as flat typed arrays. With `shared` they live in SharedArrayBuffers, so the whole object
 * can be posted to workers without copying.
 */
export interface EvalTables {
  dim: number;
  nItems: number;
  /** [nUsers × dim], rows normalised for cosine */
  users: Float32Array;
  /** [dim × nItems]: item embeddings transposed (the fast matMul layout), normalised for cosine */
  itemsT: Float32Array;
  /** users with at least one target item, ascending */
  evalUsers: Int32Array;
  masks: CsrRows[];
  target: CsrRows;
  itemGroup: Int32Array | null;
  layout: MetricLayout;
  /** [evalUsers × metric keys], written by the scorers when the request asks for per-user values */
  perUser: Float32Array | null;
}

export interface PreparedEval {
  tables: EvalTables;
  groups: PopularityGroups | null;
}

export function prepareEval(req: EvalRequest, shared: boolean): PreparedEval {
  const { dim } = req;
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`invalid dim ${dim}`);
  if (req.users.length % dim || req.items.length % dim) throw new Error('embedding lengths are not multiples of dim');
  const nUsers = req.users.length / dim;
  const nItems = req.items.length / dim;
  checkShape('target', req.target, nUsers, nItems);
  req.mask.forEach((m, i) => checkShape(`mask[${i}]`, m, nUsers, nItems));
  if (req.popularity && req.popularity.counts.length !== nItems) throw new Error('popularity.counts must have one entry per item');
  const layout = makeLayout(req, nItems);
  const alloc = shared ? sharedAllocator : localAllocator;

  const users = alloc.f32(req.users.length);
  users.set(req.users);
  const itemsT = alloc.f32(req.items.length);
  transposeInto(req.items, nItems, dim, itemsT);
  if (req.score === 'cosine') {
    normaliseRows(users, nUsers, dim);
    normaliseColumns(itemsT, dim, nItems);
  }
  const groups = req.popularity ? popularityGroups(req.popularity.counts, req.popularity.groups) : null;
  const copyRows = (m: Interactions): CsrRows => ({ indptr: alloc.i32From(m.indptr), indices: alloc.i32From(m.indices) });
  const tables: EvalTables = {
    dim,
    nItems,
    users,
    itemsT,
    evalUsers: alloc.i32From(usersWithTargets(req.target)),
    masks: req.mask.map(shared ? (m) => (isShared(m.indptr) && isShared(m.indices) ? rows(m) : copyRows(m)) : rows),
    target: shared ? copyRows(req.target) : rows(req.target),
    itemGroup: groups ? alloc.i32From(groups.itemGroup) : null,
    layout,
    perUser: null,
  };
  if (req.perUser) tables.perUser = alloc.f32(tables.evalUsers.length * layout.metrics.length * layout.ks.length);
  return { tables, groups };
}

function rows(m: Interactions): CsrRows {
  return { indptr: m.indptr, indices: m.indices };
}

function checkShape(name: string, m: Interactions, nUsers: number, nItems: number): void {
  if (m.nItems !== nItems) throw new Error(`${name} has ${m.nItems} items, the item embeddings ${nItems}`);
  if (m.nUsers > nUsers) throw new Error(`${name} has ${m.nUsers} users, the user embeddings ${nUsers}`);
}

function usersWithTargets(t: Interactions): Int32Array {
  const out: number[] = [];
  for (let u = 0; u < t.nUsers; u++) if (t.indptr[u + 1] > t.indptr[u]) out.push(u);
  return Int32Array.from(out);
}

function transposeInto(src: Float32Array, rowsN: number, cols: number, dst: Float32Array): void {
  for (let r = 0; r < rowsN; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rowsN + r] = src[o + c];
  }
}

function normaliseRows(a: Float32Array, rowsN: number, cols: number): void {
  for (let r = 0; r < rowsN; r++) {
    const o = r * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += a[o + c] * a[o + c];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let c = 0; c < cols; c++) a[o + c] *= inv;
  }
}

/** normalises the columns of a [rows × cols] matrix (the items of the transposed item matrix) */
function normaliseColumns(a: Float32Array, rowsN: number, cols: number): void {
  const ss = new Float64Array(cols);
  for (let r = 0; r < rowsN; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) ss[c] += a[o + c] * a[o + c];
  }
  for (let c = 0; c < cols; c++) ss[c] = ss[c] > 0 ? 1 / Math.sqrt(ss[c]) : 0;
  for (let r = 0; r < rowsN; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) a[o + c] *= ss[c];
  }
}

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

interface Allocator {
  f32(n: number): Float32Array;
  i32From(a: ArrayLike<number>): Int32Array;
}
const localAllocator: Allocator = {
  f32: (n) => new Float32Array(n),
  i32From: (a) => Int32Array.from(a),
};
const sharedAllocator: Allocator = {
  f32: (n) => new Float32Array(new SharedArrayBuffer(4 * n)),
  i32From: (a) => {
    const out = new Int32Array(new SharedArrayBuffer(4 * a.length));
    out.set(a);
    return out;
  },
};
