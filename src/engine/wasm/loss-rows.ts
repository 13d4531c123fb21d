/**
 * The loss half of the fused many-negative step over a thread's share of score rows (tensor/fused-contrastive.ts has
 * the formulas): the softmax form with one positive a row and the hinge form. Two implementations of one interface,
 * as for the gemm and the SpMM (./kernel-exports.ts): this file's, JavaScript around the row kernels of
 * kernels/scores.wat, and the native one (native/src/rows.c through ../native/bind.ts), the same loop in C — one call
 * for the whole share, since a call per row costs more than the row. Byte offsets into the heap's memory throughout.
 */
import type { ScoreRowExports } from './kernel-exports';

export interface LossRowExports {
  /**
   * Rows [from, to) of the softmax form, in place over S: S mask maskStride sPos dPos rowLoss perRow(0 = none) tmp
   * (a scratch row of this thread) from to rowBytes incl unit tau tauRow(0 = none) posInvTau(NaN = none) r off(0 = none)
   * offStride posOff(0 = none)
   */
  softmaxRows(S: number, mask: number, maskStride: number, sPos: number, dPos: number, rowLoss: number, perRow: number, tmp: number,
    from: number, to: number, rowBytes: number, incl: number, unit: number, tau: number, tauRow: number, posInvTau: number, r: number,
    off: number, offStride: number, posOff: number): void;
  /**
   * Rows [from, to) of the hinge form with P positives a row, in place over S: S mask maskStride sPos dPos rowLoss from
   * to rowBytes N posMargin(NaN = no positive term) terms nTerms mean relative r P scratch (6·P·nTerms floats of this
   * thread; the wasm form's)
   */
  hingeRows(S: number, mask: number, maskStride: number, sPos: number, dPos: number, rowLoss: number, from: number, to: number,
    rowBytes: number, N: number, posMargin: number, terms: number, nTerms: number, mean: number, relative: number, r: number, P: number,
    scratch: number): void;
}

export function wasmLossRows(sc: ScoreRowExports, memory: WebAssembly.Memory): LossRowExports {
  const f32 = (at: number, n: number): Float32Array => new Float32Array(memory.buffer, at, n);
  return {
    softmaxRows(S0, M0, maskStride, sPosAt, dPosAt, lossAt, perRowAt, tmp, from, to, rowBytes, incl, unit, tau, tauAt, posInvTau, r, off0, offStride, posOffAt) {
      const sPos = f32(sPosAt, to), dPos = f32(dPosAt, to), rowLoss = f32(lossAt, to);
      const perRow = perRowAt ? f32(perRowAt, to) : null;
      const tauRow = tauAt ? f32(tauAt, to) : null;
      const posOff = posOffAt ? f32(posOffAt, to) : null;
      for (let b = from; b < to; b++) {
        const S = S0 + b * rowBytes, M = M0 + b * maskStride, off = off0 ? off0 + b * offStride : 0;
        const s = unit ? 1 : 1 / (tauRow ? tauRow[b] : tau);
        const ps = unit ? 1 : Number.isNaN(posInvTau) ? s : posInvTau;
        const sp = sPos[b];
        const zmax = sc.rowMax(S, M, rowBytes, s, off); // max of the corrected logits s·S − log q
        if (perRow) {
          // the per-row loss at scale 1 without correction (Adap-τ's detached loss_), before S is overwritten
          const zmax1 = off ? sc.rowMax(S, M, rowBytes, 1, 0) : zmax / s;
          const mx1 = incl ? Math.max(zmax1, sp) : zmax1;
          const sum1 = sc.rowExp(S, M, tmp, rowBytes, 1, mx1, 0) + (incl ? Math.exp(sp - mx1) : 0);
          perRow[b] = mx1 + Math.log(sum1) - sp;
        }
        const zp = ps * sp - (posOff ? posOff[b] : 0);
        const mx = incl ? Math.max(zmax, zp) : zmax;
        const eLead = incl ? Math.exp(zp - mx) : 0;
        const sum = sc.rowExp(S, M, S, rowBytes, s, mx, off) + eLead;
        rowLoss[b] = mx + Math.log(sum) - zp;
        sc.rowScale(S, rowBytes, sum > 0 ? (r * s) / sum : 0); // (a row with nothing to contrast: loss −∞, no gradient)
        dPos[b] = r * ps * (eLead / sum - 1);
      }
    },

    // A relative margin is folded into the terms row by row — (m_t + S⁺_bi, w_t) for every positive i — and each
    // positive's gradient is minus the sum of its terms' coefficients.
    hingeRows(S0, M0, maskStride, sPosAt, dPosAt, lossAt, from, to, rowBytes, N, posMargin, termsAt, nTerms, mean, relative, r, P, scratch) {
      const sPos = f32(sPosAt, to * P), dPos = f32(dPosAt, to * P), rowLoss = f32(lossAt, to);
      const rowTermsAt = scratch, coefAt = rowTermsAt + 8 * P * nTerms;
      const terms = f32(termsAt, 2 * nTerms), rowTerms = f32(rowTermsAt, 2 * P * nTerms), coefs = f32(coefAt, 4 * P * nTerms);
      const posTerm = !Number.isNaN(posMargin);
      for (let b = from; b < to; b++) {
        const S = S0 + b * rowBytes, M = M0 + b * maskStride;
        const c = mean ? 1 / (Math.max(maskStride === 0 ? N : sc.rowCount(M, rowBytes), 1) * P) : 1;
        if (relative) {
          for (let i = 0; i < P; i++) {
            for (let q = 0; q < nTerms; q++) {
              rowTerms[2 * (i * nTerms + q)] = terms[2 * q] + sPos[b * P + i];
              rowTerms[2 * (i * nTerms + q) + 1] = terms[2 * q + 1];
            }
          }
          rowLoss[b] = c * sc.rowHinge(S, M, rowBytes, rowTermsAt, P * nTerms, r * c, coefAt);
          for (let i = 0; i < P; i++) {
            let g = 0;
            for (let q = 0; q < nTerms; q++) g += coefs[4 * (i * nTerms + q)];
            dPos[b * P + i] = -g;
          }
        } else {
          const hinge = sc.rowHinge(S, M, rowBytes, termsAt, nTerms, r * c, 0);
          const posGap = posTerm ? posMargin - sPos[b] : 0;
          rowLoss[b] = (posGap > 0 ? posGap : 0) + c * hinge;
          dPos[b] = posGap > 0 ? -r : 0;
        }
      }
    },
  };
}
