;; MF's fused dot-product step (models/mf.ts, the MF-BPR hot path) on rows addressed by id, float32 SIMD. The user and
;; item tables and their optimiser sums live in one heap (two Adam storages: tensor/adam-kernel.ts). Byte offsets;
;; ids are i32; a row is $rb bytes (a multiple of 16). Checked against the plain JS step: test/unit/engine-fast-path.test.ts.
(module
  (import "env" "mem" (memory 1 65536 shared))

  (func $dot (param $x i32) (param $y i32) (param $rb i32) (result f32)
    (local $k i32) (local $acc v128)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $rb)))
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $y) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $each)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
             (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  (func $row (param $table i32) (param $ids i32) (param $i i32) (param $rb i32) (result i32)
    (i32.add (local.get $table) (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rb))))

  ;; rows [$b0, $b1) of the batch: sPos[b] = ⟨u_b, i_pos[b]⟩, sNeg[b·N + k] = ⟨u_b, i_neg[b·N+k]⟩, and when $sq ≠ 0
  ;; sq[b] = ‖u_b‖² + ‖i_pos[b]‖² + Σ_k ‖i_neg[b·N+k]‖² (the L2 term of the batch rows)
  (func (export "scores") (param $U i32) (param $I i32) (param $users i32) (param $pos i32) (param $negs i32)
                          (param $sPos i32) (param $sNeg i32) (param $sq i32) (param $b0 i32) (param $b1 i32) (param $N i32) (param $rb i32)
    (local $b i32) (local $k i32) (local $u i32) (local $p i32) (local $n i32) (local $j i32) (local $q f32)
    (local.set $b (local.get $b0))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $u (call $row (local.get $U) (local.get $users) (local.get $b) (local.get $rb)))
      (local.set $p (call $row (local.get $I) (local.get $pos) (local.get $b) (local.get $rb)))
      (f32.store (i32.add (local.get $sPos) (i32.shl (local.get $b) (i32.const 2))) (call $dot (local.get $u) (local.get $p) (local.get $rb)))
      (if (local.get $sq) (then
        (local.set $q (f32.add (call $dot (local.get $u) (local.get $u) (local.get $rb)) (call $dot (local.get $p) (local.get $p) (local.get $rb))))))
      (local.set $k (i32.const 0))
      (block $negsDone (loop $neg
        (br_if $negsDone (i32.ge_u (local.get $k) (local.get $N)))
        (local.set $j (i32.add (i32.mul (local.get $b) (local.get $N)) (local.get $k)))
        (local.set $n (call $row (local.get $I) (local.get $negs) (local.get $j) (local.get $rb)))
        (f32.store (i32.add (local.get $sNeg) (i32.shl (local.get $j) (i32.const 2))) (call $dot (local.get $u) (local.get $n) (local.get $rb)))
        (if (local.get $sq) (then (local.set $q (f32.add (local.get $q) (call $dot (local.get $n) (local.get $n) (local.get $rb))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $neg)))
      (if (local.get $sq) (then (f32.store (i32.add (local.get $sq) (i32.shl (local.get $b) (i32.const 2))) (local.get $q))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $each))))

  ;; y += a·x + c·z over one row
  (func $axpy2 (param $y i32) (param $a f32) (param $x i32) (param $c f32) (param $z i32) (param $rb i32)
    (local $k i32)
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $k) (local.get $rb)))
      (v128.store (i32.add (local.get $y) (local.get $k))
        (f32x4.add (v128.load (i32.add (local.get $y) (local.get $k)))
          (f32x4.add (f32x4.mul (f32x4.splat (local.get $a)) (v128.load (i32.add (local.get $x) (local.get $k))))
                     (f32x4.mul (f32x4.splat (local.get $c)) (v128.load (i32.add (local.get $z) (local.get $k)))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $lane))))

  ;; The chain rule through s = ⟨u, i⟩ into the optimisers' per-row sums (gU at slot·rb, gI likewise), for the rows
  ;; whose slot this thread owns (user slots [$u0, $u1), item slots [$i0, $i1)) — every thread walks the whole batch,
  ;; so each sum row is written by one thread only, in batch order (the result does not depend on the thread count):
  ;;   gU[su_b] += dPos[b]·i_pos + c·u + Σ_k dNeg[b,k]·i_neg;  gI[sp_b] += dPos[b]·u + c·i_pos;  gI[sn] += dNeg·u + c·i_neg
  (func (export "grads") (param $U i32) (param $I i32) (param $gU i32) (param $gI i32) (param $users i32) (param $pos i32) (param $negs i32)
                         (param $slotU i32) (param $slotP i32) (param $slotN i32) (param $dPos i32) (param $dNeg i32)
                         (param $B i32) (param $N i32) (param $rb i32) (param $c f32)
                         (param $u0 i32) (param $u1 i32) (param $i0 i32) (param $i1 i32)
    (local $b i32) (local $k i32) (local $j i32) (local $s i32) (local $u i32) (local $p i32) (local $n i32) (local $g f32) (local $own i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $u (call $row (local.get $U) (local.get $users) (local.get $b) (local.get $rb)))
      (local.set $p (call $row (local.get $I) (local.get $pos) (local.get $b) (local.get $rb)))
      ;; the user's sum row
      (local.set $s (i32.load (i32.add (local.get $slotU) (i32.shl (local.get $b) (i32.const 2)))))
      (local.set $own (i32.and (i32.ge_u (local.get $s) (local.get $u0)) (i32.lt_u (local.get $s) (local.get $u1))))
      (if (local.get $own) (then
        (call $axpy2 (i32.add (local.get $gU) (i32.mul (local.get $s) (local.get $rb)))
                     (f32.load (i32.add (local.get $dPos) (i32.shl (local.get $b) (i32.const 2)))) (local.get $p)
                     (local.get $c) (local.get $u) (local.get $rb))))
      ;; the positive's sum row
      (local.set $s (i32.load (i32.add (local.get $slotP) (i32.shl (local.get $b) (i32.const 2)))))
      (if (i32.and (i32.ge_u (local.get $s) (local.get $i0)) (i32.lt_u (local.get $s) (local.get $i1))) (then
        (call $axpy2 (i32.add (local.get $gI) (i32.mul (local.get $s) (local.get $rb)))
                     (f32.load (i32.add (local.get $dPos) (i32.shl (local.get $b) (i32.const 2)))) (local.get $u)
                     (local.get $c) (local.get $p) (local.get $rb))))
      (local.set $k (i32.const 0))
      (block $negsDone (loop $neg
        (br_if $negsDone (i32.ge_u (local.get $k) (local.get $N)))
        (local.set $j (i32.add (i32.mul (local.get $b) (local.get $N)) (local.get $k)))
        (local.set $n (call $row (local.get $I) (local.get $negs) (local.get $j) (local.get $rb)))
        (local.set $g (f32.load (i32.add (local.get $dNeg) (i32.shl (local.get $j) (i32.const 2)))))
        (if (local.get $own) (then
          (call $axpy2 (i32.add (local.get $gU) (i32.mul (i32.load (i32.add (local.get $slotU) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb)))
                       (local.get $g) (local.get $n) (f32.const 0) (local.get $n) (local.get $rb))))
        (local.set $s (i32.load (i32.add (local.get $slotN) (i32.shl (local.get $j) (i32.const 2)))))
        (if (i32.and (i32.ge_u (local.get $s) (local.get $i0)) (i32.lt_u (local.get $s) (local.get $i1))) (then
          (call $axpy2 (i32.add (local.get $gI) (i32.mul (local.get $s) (local.get $rb)))
                       (local.get $g) (local.get $u) (local.get $c) (local.get $n) (local.get $rb))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $neg)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $each))))
)
