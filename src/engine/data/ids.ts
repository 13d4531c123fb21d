/**
 * Raw id → dense index maps. Integer ids (LightGCN files) use a lookup table; string ids (CSV, MovieLens) are
 * collected in first-seen order and then renumbered in a canonical order so the result does not depend on file order.
 */

/** A raw integer id that is absent from the map. */
export const ABSENT = -1;

export interface IntIdMap {
  /** number of dense indices */
  size: number;
  /** dense index of a raw id, or ABSENT */
  index(raw: number): number;
  /** raw id of each dense index, as strings */
  rawIds(): string[];
  /** whether index(r) === r for every id (callers can skip remapping) */
  identity: boolean;
}

/**
 * Builds a map over the distinct values of `values[0..count)`.
 * - `dense`: only the ids that occur, numbered in ascending raw order (ids 0..n-1 map to themselves).
 * - `upToMax`: every id 0..max (ids that never occur become empty rows/columns), the LightGCN convention
 *   n = max id + 1. When ids are very sparse (max + 1 > 2·distinct + 1024) this falls back to `dense` so a stray
 *   huge id cannot allocate a gigantic catalogue.
 */
export function intIdMap(values: Int32Array, count: number, mode: 'dense' | 'upToMax'): IntIdMap {
  let max = -1;
  for (let k = 0; k < count; k++) if (values[k] > max) max = values[k];
  if (max + 1 <= 2 * count + 1024) {
    const present = new Uint8Array(max + 1);
    let distinct = 0;
    for (let k = 0; k < count; k++) {
      const v = values[k];
      if (!present[v]) {
        present[v] = 1;
        distinct++;
      }
    }
    if (max + 1 <= 2 * distinct + 1024) {
      const table = new Int32Array(max + 1);
      let size = 0;
      for (let v = 0; v <= max; v++) table[v] = mode === 'upToMax' || present[v] ? size++ : ABSENT;
      const raw = new Int32Array(size);
      for (let v = 0; v <= max; v++) if (table[v] >= 0) raw[table[v]] = v;
      return {
        size,
        identity: size === max + 1,
        index: (r) => (r >= 0 && r <= max ? table[r] : ABSENT),
        rawIds: () => Array.from(raw, String),
      };
    }
  }
  const sorted = uniqueSorted(values.slice(0, count));
  const lookup = new Map<number, number>();
  for (let k = 0; k < sorted.length; k++) lookup.set(sorted[k], k);
  return {
    size: sorted.length,
    identity: false,
    index: (r) => lookup.get(r) ?? ABSENT,
    rawIds: () => Array.from(sorted, String),
  };
}

function uniqueSorted(a: Int32Array): Int32Array {
  a.sort();
  let w = 0;
  for (let k = 0; k < a.length; k++) if (k === 0 || a[k] !== a[k - 1]) a[w++] = a[k];
  return a.slice(0, w);
}

/** String ids in first-seen order; `finish()` renumbers them canonically. */
export class StringIdMap {
  private readonly lookup = new Map<string, number>();
  readonly ids: string[] = [];

  index(raw: string): number {
    let k = this.lookup.get(raw);
    if (k === undefined) {
      k = this.ids.length;
      this.lookup.set(raw, k);
      this.ids.push(raw);
    }
    return k;
  }

  /**
   * Canonical order: numeric ascending when every id is a plain non-negative integer (so "0".."n-1" keep their
   * value as index), otherwise by string. Returns old index → new index and the ids in new order.
   */
  finish(): { remap: Int32Array; ids: string[] } {
    const n = this.ids.length;
    const numeric = this.ids.every((s) => /^(0|[1-9][0-9]{0,14})$/.test(s));
    const perm = Array.from({ length: n }, (_, k) => k);
    if (numeric) {
      const vals = this.ids.map(Number);
      perm.sort((a, b) => vals[a] - vals[b]);
    } else {
      perm.sort((a, b) => (this.ids[a] < this.ids[b] ? -1 : this.ids[a] > this.ids[b] ? 1 : 0));
    }
    const remap = new Int32Array(n);
    perm.forEach((old, k) => (remap[old] = k));
    return { remap, ids: perm.map((k) => this.ids[k]) };
  }
}
