;; Kernels over embedding rows (row-major float32, $rb bytes a row, a multiple of 16), float32 SIMD: cosine
;; normalisation forward and backward, paired dot products and scaled row sums — the per-row half of the fused
;; many-negative step (tensor/fused-contrastive.ts). Byte offsets throughout.
(module
  (import "env" "mem" (memory 1 65536 shared))

  (func $sum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func $dot (param $x i32) (param $y i32) (param $rb i32) (result f32)
    (local $k i32) (local $acc v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $rb)))
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $y) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (call $sum (local.get $acc)))

  ;; out_r = x_r / max(‖x_r‖, 1e-12) (torch F.normalize); norms[r] = max(‖x_r‖, 1e-12)
  (func (export "normalize") (param $x i32) (param $out i32) (param $norms i32) (param $n i32) (param $rb i32)
    (local $r i32) (local $k i32) (local $nn f32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $nn (f32.max (f32.sqrt (call $dot (local.get $x) (local.get $x) (local.get $rb))) (f32.const 1e-12)))
      (f32.store (i32.add (local.get $norms) (i32.shl (local.get $r) (i32.const 2))) (local.get $nn))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $lane
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $rb)))
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f32x4.div (v128.load (i32.add (local.get $x) (local.get $k))) (f32x4.splat (local.get $nn))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $lane)))
      (local.set $x (i32.add (local.get $x) (local.get $rb)))
      (local.set $out (i32.add (local.get $out) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; Backward of normalize, in place on the gradient: g_r ← (g_r − x̂_r·⟨x̂_r, g_r⟩) / norms[r] where the norm was above
  ;; 1e-12, g_r / 1e-12 where it was clamped (the gradient of x / max(‖x‖, ε)).
  (func (export "normalizeBack") (param $xhat i32) (param $g i32) (param $norms i32) (param $n i32) (param $rb i32)
    (local $r i32) (local $k i32) (local $nn f32) (local $p v128) (local $inv v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $nn (f32.load (i32.add (local.get $norms) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $p (if (result v128) (f32.gt (local.get $nn) (f32.const 1e-12))
        (then (f32x4.splat (call $dot (local.get $xhat) (local.get $g) (local.get $rb))))
        (else (f32x4.splat (f32.const 0)))))
      (local.set $inv (f32x4.splat (local.get $nn)))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $lane
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $rb)))
        (v128.store (i32.add (local.get $g) (local.get $k))
          (f32x4.div (f32x4.sub (v128.load (i32.add (local.get $g) (local.get $k)))
                                (f32x4.mul (v128.load (i32.add (local.get $xhat) (local.get $k))) (local.get $p)))
                     (local.get $inv)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $lane)))
      (local.set $xhat (i32.add (local.get $xhat) (local.get $rb)))
      (local.set $g (i32.add (local.get $g) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; out[r] = ⟨x_r, y_r⟩
  (func (export "rowDots") (param $x i32) (param $y i32) (param $out i32) (param $n i32) (param $rb i32)
    (local $r i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
                 (call $dot (local.get $x) (local.get $y) (local.get $rb)))
      (local.set $x (i32.add (local.get $x) (local.get $rb)))
      (local.set $y (i32.add (local.get $y) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; y_r += c[r]·x_r
  (func (export "rowAxpy") (param $y i32) (param $x i32) (param $c i32) (param $n i32) (param $rb i32)
    (local $r i32) (local $k i32) (local $cr v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $cr (v128.load32_splat (i32.add (local.get $c) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $lane
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $rb)))
        (v128.store (i32.add (local.get $y) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $y) (local.get $k)))
                     (f32x4.mul (local.get $cr) (v128.load (i32.add (local.get $x) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $lane)))
      (local.set $x (i32.add (local.get $x) (local.get $rb)))
      (local.set $y (i32.add (local.get $y) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each)))))
