/**
 * Item-popularity groups. Items are sorted by training count (ties: lower index first) and cut into `groups`
 * consecutive groups holding equal shares of the training interactions, least popular first: an item belongs to the
 * group in which its first interaction falls, i.e. group = ⌊groups · (interactions of less popular items) / total⌋.
 * Items are indivisible, so shares are only approximately equal; groups can be empty when one item holds more than a
 * share.
 */
export interface PopularityGroups {
  /** group of each item */
  itemGroup: Int32Array;
  labels: string[];
  /** items per group */
  items: number[];
}

export function popularityGroups(counts: Int32Array, groups: number): PopularityGroups {
  const n = counts.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[a] - counts[b] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i];
  const itemGroup = new Int32Array(n);
  const items = new Array<number>(groups).fill(0);
  const lo = new Array<number>(groups).fill(Infinity);
  const hi = new Array<number>(groups).fill(-Infinity);
  let before = 0;
  for (const i of order) {
    const g = total > 0 ? Math.min(groups - 1, Math.floor((groups * before) / total)) : 0;
    itemGroup[i] = g;
    items[g]++;
    lo[g] = Math.min(lo[g], counts[i]);
    hi[g] = Math.max(hi[g], counts[i]);
    before += counts[i];
  }
  const labels = items.map((c, g) => (c ? `G${g + 1} (${lo[g]}–${hi[g]} interactions/item)` : `G${g + 1} (empty)`));
  return { itemGroup, labels, items };
}

/** Target items of the evaluated users, counted per group: the denominators of the per-group recall. */
export function targetsPerGroup(target: { indptr: Int32Array; indices: Int32Array }, users: Int32Array, itemGroup: Int32Array, groups: number): Float64Array {
  const out = new Float64Array(groups);
  for (const u of users) {
    for (let p = target.indptr[u]; p < target.indptr[u + 1]; p++) out[itemGroup[target.indices[p]]]++;
  }
  return out;
}
