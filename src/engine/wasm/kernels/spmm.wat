;; Sparse × dense product Y = A·X of a CSR matrix (graph backbones' Â·E, models/lightgcn.ts), float32 SIMD.
;; A: $indptr (i32 × rows+1), $indices (i32 × nnz, column ids), $values (f32 × nnz); X, Y row-major with $rb bytes a
;; row ($rb a multiple of 16). Computes rows [$r0, $r1) of Y, so a pool of threads can split the rows; Y must not
;; alias X. An empty row gives zeros. Byte offsets throughout. Checked against the plain loop of models/graph.ts
;; (test/unit/models-lightgcn.test.ts).
;; Batch rows (LightGCN's step reads only the batch's rows, models/lightgcn.ts): $list ≠ 0 computes the rows
;; $list[$r0 .. $r1) (i32 row ids) instead of rows $r0 .. $r1 (the last forward layer); $mask ≠ 0 is a byte per column
;; whose 0 means "this row of X is zero" — those non-zeros are skipped, with the same sums (backward's first product,
;; whose operand is non-zero on the batch's rows only, then reads a few thousand rows of X instead of all).
;; Dropout (LightGCN's edge and message dropout, models/dropout.ts): the masks are not stored but recomputed from a
;; counter-based hash of (key, index) — the same bits on any thread split, in the plain reference and in the tests.
;;   edge (a → b) of key k kept  ⇔  mix(mix(a ^ k) + b) >>> 8 ≥ thr      (a = row, b = column; $etrans swaps them)
;;   element i of key k kept     ⇔  mix(i ^ k) >>> 8 ≥ thr                (i = row·D + d; one round: it runs on every element)
;; mix = lowbias32 (C. Wellons); thr = round(p·2^24), 0 = no dropout; kept values are scaled by 1/(1 − p).
(module
  (import "env" "mem" (memory 1 65536 shared))

  (func $mix (param $x i32) (result i32)
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x7feb352d)))
    (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32.mul (local.get $x) (i32.const 0x846ca68b)))
    (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 16))))

  (func $mixv (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x7feb352d))))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (i32x4.splat (i32.const 0x846ca68b))))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))

  ;; is edge (r, c) dropped? $hr = mix(r ^ ekey), hoisted out of the row's non-zeros (one hash round a non-zero in the
  ;; forward pass); $etrans: the mask of (c, r) — backward's transposed product, two rounds a non-zero
  (func $edgeDropped (param $hr i32) (param $r i32) (param $c i32) (param $ekey i32) (param $ethr i32) (param $etrans i32) (result i32)
    (i32.lt_u
      (i32.shr_u
        (if (result i32) (local.get $etrans)
          (then (call $mix (i32.add (call $mix (i32.xor (local.get $c) (local.get $ekey))) (local.get $r))))
          (else (call $mix (i32.add (local.get $hr) (local.get $c)))))
        (i32.const 8))
      (local.get $ethr)))

  ;; message dropout of one row in place: y[d] = keep(i0 + d)·y[d]·ms, i0 = row·D
  (func $dropRow (param $yo i32) (param $rb i32) (param $i0 i32) (param $mkey i32) (param $mthr i32) (param $ms f32)
    (local $j i32) (local $idx v128) (local $k v128) (local $t v128) (local $s v128)
    (local.set $idx (i32x4.add (i32x4.splat (local.get $i0)) (v128.const i32x4 0 1 2 3)))
    (local.set $k (i32x4.splat (local.get $mkey)))
    (local.set $t (i32x4.splat (local.get $mthr)))
    (local.set $s (f32x4.splat (local.get $ms)))
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $j) (local.get $rb)))
      (v128.store (i32.add (local.get $yo) (local.get $j))
        (v128.and
          (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $yo) (local.get $j))))
          (i32x4.ge_u
            (i32x4.shr_u (call $mixv (v128.xor (local.get $idx) (local.get $k))) (i32.const 8))
            (local.get $t))))
      (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $lane))))

  ;; any width: the row's sums are kept in Y itself (one row, in L1) while the non-zeros stream by
  (func (export "spmm") (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                        (param $r0 i32) (param $r1 i32) (param $rb i32)
    (call $spmm (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                (local.get $r0) (local.get $r1) (local.get $rb) (i32.const 0) (i32.const 0) (f32.const 1) (i32.const 0) (i32.const 0)))

  ;; $ethr ≠ 0: edge dropout of key $ekey (kept weights × $es)
  (func $spmm (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                        (param $r0 i32) (param $r1 i32) (param $rb i32)
                        (param $ekey i32) (param $ethr i32) (param $es f32) (param $etrans i32) (param $mask i32)
    (local $r i32) (local $k i32) (local $kEnd i32) (local $j i32) (local $yo i32) (local $xo i32) (local $w v128) (local $c i32) (local $hr i32)
    (local.set $r (local.get $r0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $rb))))
      (local.set $j (i32.const 0))
      (block $zeroed (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $j) (local.get $rb)))
        (v128.store (i32.add (local.get $yo) (local.get $j)) (v128.const i64x2 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zero)))
      (local.set $k (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $kEnd (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (if (local.get $ethr) (then (local.set $hr (call $mix (i32.xor (local.get $r) (local.get $ekey))))))
      (block $rowDone (loop $nz
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $kEnd)))
        (block $skip
          (local.set $w (v128.load32_splat (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $c (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))
          (if (local.get $mask) (then (br_if $skip (i32.eqz (i32.load8_u (i32.add (local.get $mask) (local.get $c)))))))
          (if (local.get $ethr) (then
            (br_if $skip (call $edgeDropped (local.get $hr) (local.get $r) (local.get $c) (local.get $ekey) (local.get $ethr) (local.get $etrans)))
            (local.set $w (f32x4.mul (local.get $w) (f32x4.splat (local.get $es))))))
          (local.set $xo (i32.add (local.get $x) (i32.mul (local.get $c) (local.get $rb))))
          (local.set $j (i32.const 0))
          (block $lanesDone (loop $lane
            (br_if $lanesDone (i32.ge_u (local.get $j) (local.get $rb)))
            (v128.store (i32.add (local.get $yo) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $yo) (local.get $j)))
                         (f32x4.mul (local.get $w) (v128.load (i32.add (local.get $xo) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $lane))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nz)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; 64 floats a row (the papers' D = 64): the row's sums live in 16 registers, each non-zero is one weight splat and
  ;; 16 loads of X's row — no loads or stores of Y inside the row
  (func (export "spmm64") (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                          (param $r0 i32) (param $r1 i32)
    (call $spmm64 (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                  (local.get $r0) (local.get $r1) (i32.const 0) (i32.const 0) (f32.const 1) (i32.const 0) (i32.const 0)))

  (func $spmm64 (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                          (param $r0 i32) (param $r1 i32)
                          (param $ekey i32) (param $ethr i32) (param $es f32) (param $etrans i32) (param $mask i32)
    (local $c i32) (local $hr i32) (local $r i32) (local $k i32) (local $kEnd i32) (local $yo i32) (local $xo i32) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128) (local $a14 v128) (local $a15 v128)
    (local.set $r (local.get $r0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $a0 (v128.const i64x2 0 0))
      (local.set $a1 (v128.const i64x2 0 0))
      (local.set $a2 (v128.const i64x2 0 0))
      (local.set $a3 (v128.const i64x2 0 0))
      (local.set $a4 (v128.const i64x2 0 0))
      (local.set $a5 (v128.const i64x2 0 0))
      (local.set $a6 (v128.const i64x2 0 0))
      (local.set $a7 (v128.const i64x2 0 0))
      (local.set $a8 (v128.const i64x2 0 0))
      (local.set $a9 (v128.const i64x2 0 0))
      (local.set $a10 (v128.const i64x2 0 0))
      (local.set $a11 (v128.const i64x2 0 0))
      (local.set $a12 (v128.const i64x2 0 0))
      (local.set $a13 (v128.const i64x2 0 0))
      (local.set $a14 (v128.const i64x2 0 0))
      (local.set $a15 (v128.const i64x2 0 0))
      (local.set $k (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $kEnd (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (if (local.get $ethr) (then (local.set $hr (call $mix (i32.xor (local.get $r) (local.get $ekey))))))
      (block $rowDone (loop $nz
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $kEnd)))
        (block $skip
        (local.set $w (v128.load32_splat (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $c (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))
        (if (local.get $mask) (then (br_if $skip (i32.eqz (i32.load8_u (i32.add (local.get $mask) (local.get $c)))))))
        (if (local.get $ethr) (then
          (br_if $skip (call $edgeDropped (local.get $hr) (local.get $r) (local.get $c) (local.get $ekey) (local.get $ethr) (local.get $etrans)))
          (local.set $w (f32x4.mul (local.get $w) (f32x4.splat (local.get $es))))))
        (local.set $xo (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 8))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $xo)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $xo)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $xo)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $xo)))))
        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $w) (v128.load offset=64 (local.get $xo)))))
        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $w) (v128.load offset=80 (local.get $xo)))))
        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $w) (v128.load offset=96 (local.get $xo)))))
        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $w) (v128.load offset=112 (local.get $xo)))))
        (local.set $a8 (f32x4.add (local.get $a8) (f32x4.mul (local.get $w) (v128.load offset=128 (local.get $xo)))))
        (local.set $a9 (f32x4.add (local.get $a9) (f32x4.mul (local.get $w) (v128.load offset=144 (local.get $xo)))))
        (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $w) (v128.load offset=160 (local.get $xo)))))
        (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $w) (v128.load offset=176 (local.get $xo)))))
        (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $w) (v128.load offset=192 (local.get $xo)))))
        (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $w) (v128.load offset=208 (local.get $xo)))))
        (local.set $a14 (f32x4.add (local.get $a14) (f32x4.mul (local.get $w) (v128.load offset=224 (local.get $xo)))))
        (local.set $a15 (f32x4.add (local.get $a15) (f32x4.mul (local.get $w) (v128.load offset=240 (local.get $xo))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $nz)))
      (local.set $yo (i32.add (local.get $y) (i32.shl (local.get $r) (i32.const 8))))
      (v128.store offset=0 (local.get $yo) (local.get $a0))
      (v128.store offset=16 (local.get $yo) (local.get $a1))
      (v128.store offset=32 (local.get $yo) (local.get $a2))
      (v128.store offset=48 (local.get $yo) (local.get $a3))
      (v128.store offset=64 (local.get $yo) (local.get $a4))
      (v128.store offset=80 (local.get $yo) (local.get $a5))
      (v128.store offset=96 (local.get $yo) (local.get $a6))
      (v128.store offset=112 (local.get $yo) (local.get $a7))
      (v128.store offset=128 (local.get $yo) (local.get $a8))
      (v128.store offset=144 (local.get $yo) (local.get $a9))
      (v128.store offset=160 (local.get $yo) (local.get $a10))
      (v128.store offset=176 (local.get $yo) (local.get $a11))
      (v128.store offset=192 (local.get $yo) (local.get $a12))
      (v128.store offset=208 (local.get $yo) (local.get $a13))
      (v128.store offset=224 (local.get $yo) (local.get $a14))
      (v128.store offset=240 (local.get $yo) (local.get $a15))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; The fused epilogue of one row of Y (LightGCN's layer loop, models/lightgcn.ts), run right after the row is stored,
;; while it is still in L1:   y += zs·z  (when $z ≠ 0: backward adds a layer's direct gradient)
;;                            f = (f + y)·fs  (when $f ≠ 0: forward's running layer mean, fs = 1/(L+1) at the last layer)
;; It saves the separate passes over [nodes × D] buffers (17.8 MB each on Yelp2018) that cost as much as the product.
  (func $epilogue (param $yo i32) (param $zo i32) (param $zs f32) (param $fo i32) (param $fs f32) (param $rb i32)
    (local $j i32) (local $a v128)
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $j) (local.get $rb)))
      (local.set $a (v128.load (i32.add (local.get $yo) (local.get $j))))
      (if (local.get $zo) (then
        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (f32x4.splat (local.get $zs)) (v128.load (i32.add (local.get $zo) (local.get $j))))))
        (v128.store (i32.add (local.get $yo) (local.get $j)) (local.get $a))))
      (if (local.get $fo) (then
        (v128.store (i32.add (local.get $fo) (local.get $j))
          (f32x4.mul (f32x4.splat (local.get $fs)) (f32x4.add (v128.load (i32.add (local.get $fo) (local.get $j))) (local.get $a))))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $lane))))

  ;; rows [$r0, $r1) of Y = A·X (or the rows $list[$r0 .. $r1)), each followed by the epilogue over Z ($z, scale $zs)
  ;; and F ($f, scale $fs); $z / $f = 0 skips that part; $mask as above. Any width ($rb a multiple of 16); D = 64 takes
  ;; the register kernel.
  (func (export "spmmFused") (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                             (param $r0 i32) (param $r1 i32) (param $rb i32)
                             (param $z i32) (param $zs f32) (param $f i32) (param $fs f32) (param $list i32) (param $mask i32)
    (local $i i32) (local $r i32) (local $o i32)
    (local.set $i (local.get $r0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $i) (local.get $r1)))
      (local.set $r (call $rowAt (local.get $list) (local.get $i)))
      (if (i32.eq (local.get $rb) (i32.const 256))
        (then (call $spmm64 (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                            (local.get $r) (i32.add (local.get $r) (i32.const 1)) (i32.const 0) (i32.const 0) (f32.const 1) (i32.const 0) (local.get $mask)))
        (else (call $spmm (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                          (local.get $r) (i32.add (local.get $r) (i32.const 1)) (local.get $rb) (i32.const 0) (i32.const 0) (f32.const 1) (i32.const 0) (local.get $mask))))
      (local.set $o (i32.mul (local.get $r) (local.get $rb)))
      (call $epilogue (i32.add (local.get $y) (local.get $o))
                      (select (i32.add (local.get $z) (local.get $o)) (i32.const 0) (local.get $z)) (local.get $zs)
                      (select (i32.add (local.get $f) (local.get $o)) (i32.const 0) (local.get $f)) (local.get $fs)
                      (local.get $rb))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row))))

  ;; row $i of a pass: $list[$i] when there is a list, else $i
  (func $rowAt (param $list i32) (param $i i32) (result i32)
    (if (result i32) (local.get $list)
      (then (i32.load (i32.add (local.get $list) (i32.shl (local.get $i) (i32.const 2)))))
      (else (local.get $i))))

  ;; spmmFused with dropout (LightGCN in training, models/lightgcn.ts): per row of [$r0, $r1)
  ;;   y = (A ⊙ edge mask($ekey, $ethr; transposed when $etrans))·x · $es;  y += zs·z;  y = message mask($mkey, $mthr)⊙y·$ms;
  ;;   f = (f + y)·fs
  ;; $ethr / $mthr = 0 skip that dropout; $z / $f = 0 skip those parts.
  (func (export "spmmDrop") (param $indptr i32) (param $indices i32) (param $values i32) (param $x i32) (param $y i32)
                            (param $r0 i32) (param $r1 i32) (param $rb i32)
                            (param $z i32) (param $zs f32) (param $f i32) (param $fs f32)
                            (param $ekey i32) (param $ethr i32) (param $es f32) (param $etrans i32)
                            (param $mkey i32) (param $mthr i32) (param $ms f32) (param $list i32) (param $mask i32)
    (local $i i32) (local $r i32) (local $o i32)
    (local.set $i (local.get $r0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $i) (local.get $r1)))
      (local.set $r (call $rowAt (local.get $list) (local.get $i)))
      (if (i32.eq (local.get $rb) (i32.const 256))
        (then (call $spmm64 (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                            (local.get $r) (i32.add (local.get $r) (i32.const 1)) (local.get $ekey) (local.get $ethr) (local.get $es) (local.get $etrans) (local.get $mask)))
        (else (call $spmm (local.get $indptr) (local.get $indices) (local.get $values) (local.get $x) (local.get $y)
                          (local.get $r) (i32.add (local.get $r) (i32.const 1)) (local.get $rb) (local.get $ekey) (local.get $ethr) (local.get $es) (local.get $etrans) (local.get $mask))))
      (local.set $o (i32.mul (local.get $r) (local.get $rb)))
      (if (local.get $z) (then
        (call $epilogue (i32.add (local.get $y) (local.get $o)) (i32.add (local.get $z) (local.get $o)) (local.get $zs) (i32.const 0) (f32.const 0) (local.get $rb))))
      (if (local.get $mthr) (then
        (call $dropRow (i32.add (local.get $y) (local.get $o)) (local.get $rb) (i32.shr_u (local.get $o) (i32.const 2))
                       (local.get $mkey) (local.get $mthr) (local.get $ms))))
      (if (local.get $f) (then
        (call $epilogue (i32.add (local.get $y) (local.get $o)) (i32.const 0) (f32.const 0) (i32.add (local.get $f) (local.get $o)) (local.get $fs) (local.get $rb))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $row))))

  ;; message dropout in place over rows [$r0, $r1) of X (backward: the last layer's gradient before its product)
  (func (export "dropRows") (param $x i32) (param $r0 i32) (param $r1 i32) (param $rb i32) (param $mkey i32) (param $mthr i32) (param $ms f32)
    (local $r i32) (local $o i32)
    (local.set $r (local.get $r0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
      (local.set $o (i32.mul (local.get $r) (local.get $rb)))
      (call $dropRow (i32.add (local.get $x) (local.get $o)) (local.get $rb) (i32.shr_u (local.get $o) (i32.const 2))
                     (local.get $mkey) (local.get $mthr) (local.get $ms))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
