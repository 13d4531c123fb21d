/**
 * The native kernels behind the wasm kernels' interfaces (wasm/tasks.ts SpmmExports, GemmExports): the same calls with
 * the same byte offsets into the same shared memory, so the pool tasks do not know which ones run.
 */
import type { AdamExports, GemmExports, MfDotExports, MfSlots, RowExports, SpmmExports } from '../wasm/kernel-exports';
import type { LossRowExports } from '../wasm/loss-rows';
import type { NativeAddon } from './addon';

/** A Uint8Array over the whole memory, renewed when the memory has grown (its base address never changes). */
export function memoryView(memory: WebAssembly.Memory): () => Uint8Array {
  let buffer = memory.buffer;
  let view = new Uint8Array(buffer);
  return () => {
    if (memory.buffer.byteLength !== buffer.byteLength) view = new Uint8Array((buffer = memory.buffer));
    return view;
  };
}

export function nativeSpmm(memory: WebAssembly.Memory, n: NativeAddon): SpmmExports {
  const v = memoryView(memory);
  return {
    spmm: (indptr, indices, values, x, y, r0, r1, rb) => n.spmmPass(v(), indptr, indices, values, x, y, r0, r1, rb, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0),
    spmm64: (indptr, indices, values, x, y, r0, r1) => n.spmmPass(v(), indptr, indices, values, x, y, r0, r1, 256, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0),
    spmmFused: (indptr, indices, values, x, y, r0, r1, rb, z, zs, f, fs, list, mask) =>
      n.spmmPass(v(), indptr, indices, values, x, y, r0, r1, rb, z, zs, f, fs, 0, 0, 1, 0, 0, 0, 1, list, mask),
    spmmDrop: (indptr, indices, values, x, y, r0, r1, rb, z, zs, f, fs, ekey, ethr, es, etrans, mkey, mthr, ms, list, mask) =>
      n.spmmPass(v(), indptr, indices, values, x, y, r0, r1, rb, z, zs, f, fs, ekey, ethr, es, etrans, mkey, mthr, ms, list, mask),
    dropRows: (x, r0, r1, rb, mkey, mthr, ms) => n.dropRows(v(), x, r0, r1, rb, mkey, mthr, ms),
  };
}

export function nativeGemm(memory: WebAssembly.Memory, n: NativeAddon): GemmExports {
  const v = memoryView(memory);
  return { gemm: (a, ai, ak, b, ldb, c, ldc, m, nn, k, acc) => n.gemm(v(), a, ai, ak, b, ldb, c, ldc, m, nn, k, acc) };
}

export function nativeLossRows(memory: WebAssembly.Memory, n: NativeAddon): LossRowExports {
  const v = memoryView(memory);
  return {
    softmaxRows: (S, mask, maskStride, sPos, dPos, rowLoss, perRow, tmp, from, to, rowBytes, incl, unit, tau, tauRow, posInvTau, r, off, offStride, posOff) =>
      n.softmaxRows(v(), S, mask, maskStride, sPos, dPos, rowLoss, perRow, tmp, from, to, rowBytes, incl, unit, tau, tauRow, posInvTau, r, off, offStride, posOff),
    // (the scratch is the wasm form's: rows.c keeps a row's terms on its stack)
    hingeRows: (S, mask, maskStride, sPos, dPos, rowLoss, from, to, rowBytes, N, posMargin, terms, nTerms, mean, relative, r, P) =>
      n.hingeRows(v(), S, mask, maskStride, sPos, dPos, rowLoss, from, to, rowBytes, N, posMargin, terms, nTerms, mean, relative, r, P),
  };
}

export function nativeAdam(memory: WebAssembly.Memory, n: NativeAddon): AdamExports {
  const v = memoryView(memory);
  return {
    adamRows: (w, m, vv, g, rows, count, rb, b1, b2, step, eps) => n.adamRows(v(), w, m, vv, g, rows, count, rb, b1, b2, step, eps),
    adamDense: (w, m, vv, g, slots, first, count, rb, b1, b2, step, eps) => n.adamDense(v(), w, m, vv, g, slots, first, count, rb, b1, b2, step, eps),
    adamFull: (w, m, vv, g, first, count, rb, b1, b2, step, eps) => n.adamFull(v(), w, m, vv, g, first, count, rb, b1, b2, step, eps),
  };
}

export function nativeMfDot(memory: WebAssembly.Memory, n: NativeAddon): MfDotExports {
  const v = memoryView(memory);
  return {
    scores: (U, I, users, pos, negs, sPos, sNeg, sq, b0, b1, N, rb) => n.mfScores(v(), U, I, users, pos, negs, sPos, sNeg, sq, b0, b1, N, rb),
    grads: (U, I, gU, gI, users, pos, negs, slotU, slotP, slotN, dPos, dNeg, B, N, rb, c, u0, u1, i0, i1) =>
      n.mfGrads(v(), U, I, gU, gI, users, pos, negs, slotU, slotP, slotN, dPos, dNeg, B, N, rb, c, u0, u1, i0, i1),
  };
}

export function nativeMfSlots(memory: WebAssembly.Memory, n: NativeAddon): MfSlots {
  const v = memoryView(memory);
  return (slots, rowIds, sums, used, rb, a, b, B, N, outA, outB) => n.mfSlots(v(), slots, rowIds, sums, used, rb, a, b, B, N, outA, outB);
}

/** The wasm row kernels with the per-row negatives' table reads (indexGroupDots, indexGroupBack, indexScatter) native. */
export function nativeIndexRows(rows: RowExports, memory: WebAssembly.Memory, n: NativeAddon): RowExports {
  const v = memoryView(memory);
  return {
    normalize: rows.normalize, normalizeBack: rows.normalizeBack, rowDots: rows.rowDots, groupDots: rows.groupDots, groupBack: rows.groupBack, indexDots: rows.indexDots,
    indexGroupDots: (u, X, idx, S, b0, b1, K, sb, rb) => n.indexGroupDots(v(), u, X, idx, S, b0, b1, K, sb, rb),
    indexGroupBack: (X, idx, G, dU, b0, b1, K, sb, rb, acc) => n.indexGroupBack(v(), X, idx, G, dU, b0, b1, K, sb, rb, acc),
    indexScatter: (u, idx, G, dX, count, i0, i1, B, K, sb, rb, list) => n.indexScatter(v(), u, idx, G, dX, count, i0, i1, B, K, sb, rb, list),
  };
}
