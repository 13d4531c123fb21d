;; Reductions over rows of a score block, float32 SIMD (4 lanes): the loss half of the fused many-negative step
;; (tensor/fused-contrastive.ts) and of the log-sum-exp op (tensor/ops.ts logSumExpRows). Byte offsets; $bytes is the
;; row length in bytes, a multiple of 16 (callers pad rows and mask the padding out).
(module
  (import "env" "mem" (memory 1 65536 shared))

  ;; max of z[k] over the lanes whose mask is not 0; −∞ when there is none (NaN in z propagates)
  (func (export "rowMax") (param $z i32) (param $mask i32) (param $bytes i32) (result f32)
    (local $k i32) (local $acc v128)
    (local.set $acc (f32x4.splat (f32.const -inf)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $acc (f32x4.max (local.get $acc)
        (v128.bitselect (v128.load (i32.add (local.get $z) (local.get $k))) (f32x4.splat (f32.const -inf))
                        (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.max (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; out[k] = e^{s·z[k] − shift}·mask[k]; returns Σ out. exp is Cephes' expf vectorised: n = round(x·log2 e),
  ;; r = x − n·C1 − n·C2 (C1 + C2 = ln 2 split for exactness), e^r by its degree-6 minimax polynomial (relative error
  ;; ~1e-7), 2^n assembled in the exponent bits. x is clamped to [−87, 88.7] (e^−87 ≈ 1.6e−38 is still normal), so a
  ;; masked column relies on ×mask for its exact 0 (a masked NaN/∞ is never read: bitselect on the mask).
  (func (export "rowExp") (param $z i32) (param $mask i32) (param $out i32) (param $bytes i32) (param $s f32) (param $shift f32)
        (result f32)
    (local $k i32) (local $acc v128) (local $x v128) (local $n v128) (local $y v128) (local $keep v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $keep (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0))))
      ;; x = clamp(s·z − shift), 0 where masked
      (local.set $x
        (v128.and (local.get $keep)
          (f32x4.min (f32x4.splat (f32.const 88.7))
            (f32x4.max (f32x4.splat (f32.const -87))
              (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $z) (local.get $k))) (f32x4.splat (local.get $s)))
                         (f32x4.splat (local.get $shift)))))))
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
  (func (export "rowScale") (param $x i32) (param $bytes i32) (param $c f32)
    (local $k i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (v128.store (i32.add (local.get $x) (local.get $k))
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (f32x4.splat (local.get $c))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each))))

  ;; The hinge of the margin losses over a row, in place: returns Σ_k max(z[k] − m, 0)·[mask[k] ≠ 0] and overwrites
  ;; z[k] with its gradient coefficient c·[z[k] − m > 0]·[mask[k] ≠ 0] (relu's gradient: 0 at the kink).
  (func (export "rowHinge") (param $z i32) (param $mask i32) (param $bytes i32) (param $m f32) (param $c f32) (result f32)
    (local $k i32) (local $acc v128) (local $h v128) (local $on v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $h (f32x4.sub (v128.load (i32.add (local.get $z) (local.get $k))) (f32x4.splat (local.get $m))))
      (local.set $on (v128.and (f32x4.gt (local.get $h) (f32x4.splat (f32.const 0)))
                               (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0)))))
      (local.set $acc (f32x4.add (local.get $acc) (v128.and (local.get $on) (local.get $h))))
      (v128.store (i32.add (local.get $z) (local.get $k)) (v128.and (local.get $on) (f32x4.splat (local.get $c))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; Σ mask[k] ≠ 0 (the number of kept columns of a row)
  (func (export "rowCount") (param $mask i32) (param $bytes i32) (result i32)
    (local $k i32) (local $acc v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $bytes)))
      (local.set $acc (i32x4.sub (local.get $acc)
        (f32x4.ne (v128.load (i32.add (local.get $mask) (local.get $k))) (f32x4.splat (f32.const 0)))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
             (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
