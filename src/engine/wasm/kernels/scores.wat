;; Reductions over rows of a score block, float32 SIMD (4 lanes): the loss half of the fused many-negative step
;; (tensor/fused-contrastive.ts) and of the log-sum-exp op (tensor/ops.ts logSumExpRows). Byte offsets; $bytes is the
;; row length in bytes, a multiple of 16 (callers pad rows and mask the padding out).
(module
  (import "env" "mem" (memory 1 65536 shared))

  ;; max of s·z[k] − off[k] over the lanes whose mask is not 0 ($off = 0: no offset row, the logQ correction's log q
  ;; otherwise); −∞ when there is none (NaN in z propagates)
  (func $rowMax (export "rowMax") (param $z i32) (param $mask i32) (param $bytes i32) (param $s f32) (param $off i32) (result f32)
    (local $k i32) (local $acc v128) (local $x v128)
    (local.set $acc (f32x4.splat (f32.const -inf)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $x (f32x4.mul (v128.load (i32.add (local.get $z) (local.get $k))) (f32x4.splat (local.get $s))))
      (if (local.get $off) (then
        (local.set $x (f32x4.sub (local.get $x) (v128.load (i32.add (local.get $off) (local.get $k)))))))
      (local.set $acc (f32x4.max (local.get $acc)
        (v128.bitselect (local.get $x) (f32x4.splat (f32.const -inf))
                        (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.max (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; out[k] = e^{s·z[k] − off[k] − shift}·mask[k] ($off = 0: no offset row); returns Σ out. exp is Cephes' expf vectorised: n = round(x·log2 e),
  ;; r = x − n·C1 − n·C2 (C1 + C2 = ln 2 split for exactness), e^r by its degree-6 minimax polynomial (relative error
  ;; ~1e-7), 2^n assembled in the exponent bits. x is clamped to [−87, 88.7] (e^−87 ≈ 1.6e−38 is still normal), so a
  ;; masked column relies on ×mask for its exact 0 (a masked NaN/∞ is never read: bitselect on the mask).
  (func $rowExp (export "rowExp") (param $z i32) (param $mask i32) (param $out i32) (param $bytes i32) (param $s f32) (param $shift f32)
        (param $off i32) (result f32)
    (local $k i32) (local $acc v128) (local $x v128) (local $n v128) (local $y v128) (local $keep v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $keep (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0))))
      ;; x = clamp(s·z − off − shift), 0 where masked
      (local.set $x (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $z) (local.get $k))) (f32x4.splat (local.get $s)))
                               (f32x4.splat (local.get $shift))))
      (if (local.get $off) (then
        (local.set $x (f32x4.sub (local.get $x) (v128.load (i32.add (local.get $off) (local.get $k)))))))
      (local.set $x
        (v128.and (local.get $keep)
          (f32x4.min (f32x4.splat (f32.const 88.7)) (f32x4.max (f32x4.splat (f32.const -87)) (local.get $x)))))
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
      (local.set $x (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
                               (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
      ;; y = (((((p0·x + p1)·x + p2)·x + p3)·x + p4)·x + p5)·x² + x + 1
      (local.set $y (f32x4.splat (f32.const 1.9875691500e-4)))
      (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 1.3981999507e-3))))
      (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 8.3334519073e-3))))
      (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 4.1665795894e-2))))
      (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 1.6666665459e-1))))
      (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $x)) (f32x4.splat (f32.const 5.0000001201e-1))))
      (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $x) (local.get $x))) (local.get $x))
                               (f32x4.splat (f32.const 1))))
      ;; × 2^n, and 0 where masked
      (local.set $y (v128.and (local.get $keep)
        (f32x4.mul (local.get $y)
          (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23)))))
      (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $y))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $y)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; x[k] ×= c
  (func $rowScale (export "rowScale") (param $x i32) (param $bytes i32) (param $c f32)
    (local $k i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (v128.store (i32.add (local.get $x) (local.get $k))
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (f32x4.splat (local.get $c))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each))))

  ;; The hinge of the margin losses over a row, in place, for P (margin, weight) terms read as f32 pairs at $terms:
  ;;   returns Σ_k Σ_p w_p·max(z[k] − m_p, 0)·[mask[k] ≠ 0]
  ;; and overwrites z[k] with its gradient coefficient c·Σ_p w_p·[z[k] − m_p > 0]·[mask[k] ≠ 0] (relu's gradient: 0
  ;; at the kink). $coefSums ≠ 0: also the sum over k of each term's coefficient c·w_p·[…], stored as f32 at
  ;; $coefSums + 16·p (a 16-byte slot per term, used as its vector accumulator) — the gradient of a margin that is
  ;; relative to a positive score (GDNS: m_p = s⁺ − γ), which the caller folds into the terms row by row.
  (func $rowHinge (export "rowHinge") (param $z i32) (param $mask i32) (param $bytes i32)
        (param $terms i32) (param $P i32) (param $c f32) (param $coefSums i32) (result f32)
    (local $k i32) (local $p i32) (local $acc v128) (local $x v128) (local $h v128) (local $w v128)
    (local $keep v128) (local $g v128) (local $on v128) (local $slot i32)
    (local.set $p (i32.const 0))
    (block $cleared (loop $clear ;; zero the per-term accumulators
      (br_if $cleared (i32.or (i32.eqz (local.get $coefSums)) (i32.ge_u (local.get $p) (local.get $P))))
      (v128.store (i32.add (local.get $coefSums) (i32.shl (local.get $p) (i32.const 4))) (v128.const i64x2 0 0))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $clear)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $x (v128.load (i32.add (local.get $z) (local.get $k))))
      (local.set $keep (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0))))
      (local.set $g (f32x4.splat (f32.const 0)))
      (local.set $p (i32.const 0))
      (block $termsDone (loop $term
        (br_if $termsDone (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $h (f32x4.sub (local.get $x) (v128.load32_splat (i32.add (local.get $terms) (i32.shl (local.get $p) (i32.const 3))))))
        (local.set $w (v128.load32_splat (i32.add (local.get $terms) (i32.add (i32.shl (local.get $p) (i32.const 3)) (i32.const 4)))))
        (local.set $on (v128.and (f32x4.gt (local.get $h) (f32x4.splat (f32.const 0))) (local.get $keep)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.and (local.get $on) (f32x4.mul (local.get $w) (local.get $h)))))
        (local.set $g (f32x4.add (local.get $g) (v128.and (local.get $on) (local.get $w))))
        (if (local.get $coefSums) (then
          (local.set $slot (i32.add (local.get $coefSums) (i32.shl (local.get $p) (i32.const 4))))
          (v128.store (local.get $slot) (f32x4.add (v128.load (local.get $slot))
            (v128.and (local.get $on) (f32x4.mul (local.get $w) (f32x4.splat (local.get $c))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $term)))
      (v128.store (i32.add (local.get $z) (local.get $k)) (f32x4.mul (local.get $g) (f32x4.splat (local.get $c))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (local.set $p (i32.const 0))
    (block $summed (loop $sum ;; each slot's lanes summed into its first float
      (br_if $summed (i32.or (i32.eqz (local.get $coefSums)) (i32.ge_u (local.get $p) (local.get $P))))
      (local.set $slot (i32.add (local.get $coefSums) (i32.shl (local.get $p) (i32.const 4))))
      (local.set $g (v128.load (local.get $slot)))
      (f32.store (local.get $slot)
        (f32.add (f32.add (f32x4.extract_lane 0 (local.get $g)) (f32x4.extract_lane 1 (local.get $g)))
                 (f32.add (f32x4.extract_lane 2 (local.get $g)) (f32x4.extract_lane 3 (local.get $g)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $sum)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; Σ mask[k] ≠ 0 (the number of kept columns of a row)
  (func $rowCount (export "rowCount") (param $mask i32) (param $bytes i32) (result i32)
    (local $k i32) (local $acc v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $acc (i32x4.sub (local.get $acc)
        (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0)))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
             (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
