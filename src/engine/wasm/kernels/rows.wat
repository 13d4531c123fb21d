;; Kernels over embedding rows (row-major float32, $rb bytes a row, a multiple of 16), float32 SIMD: cosine
;; normalisation forward and backward, paired dot products, and the dot products of row groups (per-row negatives, a
;; row's positives) with their backward — the per-row half of the fused many-negative step
;; (tensor/fused-contrastive.ts). Byte offsets throughout.
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
  (func $normalize (export "normalize") (param $x i32) (param $out i32) (param $norms i32) (param $n i32) (param $rb i32)
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
  (func $normalizeBack (export "normalizeBack") (param $xhat i32) (param $g i32) (param $norms i32) (param $n i32) (param $rb i32)
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
  (func $rowDots (export "rowDots") (param $x i32) (param $y i32) (param $out i32) (param $n i32) (param $rb i32)
    (local $r i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
                 (call $dot (local.get $x) (local.get $y) (local.get $rb)))
      (local.set $x (i32.add (local.get $x) (local.get $rb)))
      (local.set $y (i32.add (local.get $y) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; Per-row negatives (each row its own K negatives, the Adap-τ reference's layout), rows [$b0, $b1) of the batch:
  ;; S[b·$sb + k] = ⟨u_b, n_{b·K+k}⟩ for k < K ($sb: bytes of a score row, K padded; the padding is left alone).
  (func (export "groupDots") (param $u i32) (param $n i32) (param $S i32) (param $b0 i32) (param $b1 i32) (param $K i32)
                             (param $sb i32) (param $rb i32)
    (local $b i32) (local $k i32) (local $ub i32) (local $nb i32) (local $sr i32)
    (local.set $b (local.get $b0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $ub (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $nb (i32.add (local.get $n) (i32.mul (i32.mul (local.get $b) (local.get $K)) (local.get $rb))))
      (local.set $sr (i32.add (local.get $S) (i32.mul (local.get $b) (local.get $sb))))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $each
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $K)))
        (f32.store (i32.add (local.get $sr) (i32.shl (local.get $k) (i32.const 2)))
                   (call $dot (local.get $ub) (i32.add (local.get $nb) (i32.mul (local.get $k) (local.get $rb))) (local.get $rb)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; Backward of groupDots for rows [$b0, $b1), with G = ∂ℓ/∂S in the score block's layout:
  ;; dU_b = Σ_k G[b,k]·n_{bk} (overwritten; $acc ≠ 0: added to dU_b),  dN_{bk} = G[b,k]·u_b (overwritten).
  (func (export "groupBack") (param $u i32) (param $n i32) (param $G i32) (param $dU i32) (param $dN i32)
                             (param $b0 i32) (param $b1 i32) (param $K i32) (param $sb i32) (param $rb i32) (param $acc i32)
    (local $b i32) (local $k i32) (local $j i32) (local $ub i32) (local $nb i32) (local $db i32) (local $dub i32)
    (local $g v128)
    (local.set $b (local.get $b0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $ub (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $dub (i32.add (local.get $dU) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $j (if (result i32) (local.get $acc) (then (local.get $rb)) (else (i32.const 0)))) ;; acc: no zeroing
      (block $zeroed (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $j) (local.get $rb)))
        (v128.store (i32.add (local.get $dub) (local.get $j)) (v128.const i64x2 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zero)))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $each
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $g (v128.load32_splat (i32.add (i32.add (local.get $G) (i32.mul (local.get $b) (local.get $sb)))
                                                  (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $nb (i32.add (local.get $n) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $K)) (local.get $k)) (local.get $rb))))
        (local.set $db (i32.add (local.get $dN) (i32.sub (local.get $nb) (local.get $n))))
        (local.set $j (i32.const 0))
        (block $lanesDone (loop $lane
          (br_if $lanesDone (i32.ge_u (local.get $j) (local.get $rb)))
          (v128.store (i32.add (local.get $dub) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $dub) (local.get $j)))
                       (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $nb) (local.get $j))))))
          (v128.store (i32.add (local.get $db) (local.get $j))
            (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $ub) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $lane)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; Dots straight from two tables by index, rows [$b0, $b1): S[b·K + k] = ⟨U[users[b]], X[idx[b·K + k]]⟩ (users, idx:
  ;; i32 row numbers; no gathered copies). MixGCF's candidate scoring (samplers/mixgcf.ts): its cost is the random
  ;; row reads, which the pool's threads overlap.
  (func (export "indexDots") (param $U i32) (param $X i32) (param $users i32) (param $idx i32) (param $S i32)
                             (param $b0 i32) (param $b1 i32) (param $K i32) (param $rb i32)
    (local $b i32) (local $k i32) (local $ub i32) (local $at i32)
    (local.set $b (local.get $b0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $ub (i32.add (local.get $U)
        (i32.mul (i32.load (i32.add (local.get $users) (i32.shl (local.get $b) (i32.const 2)))) (local.get $rb))))
      (local.set $at (i32.mul (local.get $b) (local.get $K))) ;; entry b·K + k
      (local.set $k (i32.const 0))
      (block $rowDone (loop $each
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $K)))
        (f32.store (i32.add (local.get $S) (i32.shl (local.get $at) (i32.const 2)))
          (call $dot (local.get $ub)
            (i32.add (local.get $X) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $at) (i32.const 2)))) (local.get $rb)))
            (local.get $rb)))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; Per-row negatives read from a table by row number instead of gathered copies — the folded form of the per-row
  ;; step (tensor/fused-contrastive.ts), taken when B·K gathered rows would outweigh the table. Rows [$b0, $b1):
  ;; S[b·$sb + k] = ⟨u_b, X[idx[b·K + k]]⟩ (idx: i32 row numbers of X; the score row's padding is left alone).
  (func (export "indexGroupDots") (param $u i32) (param $X i32) (param $idx i32) (param $S i32) (param $b0 i32) (param $b1 i32)
                                  (param $K i32) (param $sb i32) (param $rb i32)
    (local $b i32) (local $k i32) (local $ub i32) (local $ib i32) (local $sr i32)
    (local.set $b (local.get $b0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $ub (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $ib (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $b) (local.get $K)) (i32.const 2))))
      (local.set $sr (i32.add (local.get $S) (i32.mul (local.get $b) (local.get $sb))))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $each
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $K)))
        (f32.store (i32.add (local.get $sr) (i32.shl (local.get $k) (i32.const 2)))
          (call $dot (local.get $ub)
            (i32.add (local.get $X) (i32.mul (i32.load (i32.add (local.get $ib) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rb)))
            (local.get $rb)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; The user half of its backward, rows [$b0, $b1): dU_b = Σ_k G[b·$sb + k]·X[idx[b·K + k]] (overwritten; $acc ≠ 0:
  ;; added to dU_b), k in order.
  (func (export "indexGroupBack") (param $X i32) (param $idx i32) (param $G i32) (param $dU i32) (param $b0 i32) (param $b1 i32)
                                  (param $K i32) (param $sb i32) (param $rb i32) (param $acc i32)
    (local $b i32) (local $k i32) (local $j i32) (local $ib i32) (local $gr i32) (local $xb i32) (local $dub i32) (local $g v128)
    (local.set $b (local.get $b0))
    (block $done (loop $row
      (br_if $done (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $dub (i32.add (local.get $dU) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $ib (i32.add (local.get $idx) (i32.shl (i32.mul (local.get $b) (local.get $K)) (i32.const 2))))
      (local.set $gr (i32.add (local.get $G) (i32.mul (local.get $b) (local.get $sb))))
      (local.set $j (if (result i32) (local.get $acc) (then (local.get $rb)) (else (i32.const 0)))) ;; acc: no zeroing
      (block $zeroed (loop $zero
        (br_if $zeroed (i32.ge_u (local.get $j) (local.get $rb)))
        (v128.store (i32.add (local.get $dub) (local.get $j)) (v128.const i64x2 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zero)))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $each
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $g (v128.load32_splat (i32.add (local.get $gr) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $xb (i32.add (local.get $X)
          (i32.mul (i32.load (i32.add (local.get $ib) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rb))))
        (local.set $j (i32.const 0))
        (block $lanesDone (loop $lane
          (br_if $lanesDone (i32.ge_u (local.get $j) (local.get $rb)))
          (v128.store (i32.add (local.get $dub) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $dub) (local.get $j)))
                       (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $xb) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $lane)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row))))

  ;; The table half, for the table rows i in [$i0, $i1): dX_i = Σ G[b·$sb + k]·u_b over the entries e = b·K + k that
  ;; name row i (idx[e] = i), in batch order, and count[i] = their number. The entries of the range are first listed
  ;; (branch-free, into this thread's $list of up to B·K i32), then summed into rows zeroed first. Threads own row
  ;; ranges of the table: no two write one row, and a row's sum has the same order whichever thread owns it.
  (func (export "indexScatter") (param $u i32) (param $idx i32) (param $G i32) (param $dX i32) (param $count i32)
                                (param $i0 i32) (param $i1 i32) (param $B i32) (param $K i32) (param $sb i32) (param $rb i32) (param $list i32)
    (local $e i32) (local $n i32) (local $m i32) (local $i i32) (local $b i32) (local $d i32) (local $end i32) (local $xb i32)
    (local $ub i32) (local $g v128)
    ;; zero the range's rows and counts
    (local.set $d (i32.add (local.get $dX) (i32.mul (local.get $i0) (local.get $rb))))
    (local.set $end (i32.add (local.get $dX) (i32.mul (local.get $i1) (local.get $rb))))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_u (local.get $d) (local.get $end)))
      (v128.store (local.get $d) (v128.const i64x2 0 0))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (br $zero)))
    (memory.fill (i32.add (local.get $count) (i32.shl (local.get $i0) (i32.const 2))) (i32.const 0)
                 (i32.shl (i32.sub (local.get $i1) (local.get $i0)) (i32.const 2)))
    ;; list the entries naming a row of the range: always write, advance when it is one (unsigned: below $i0 wraps)
    (local.set $n (i32.sub (local.get $i1) (local.get $i0)))
    (local.set $end (i32.mul (local.get $B) (local.get $K)))
    (block $listed (loop $scan
      (br_if $listed (i32.ge_u (local.get $e) (local.get $end)))
      (i32.store (i32.add (local.get $list) (i32.shl (local.get $m) (i32.const 2))) (local.get $e))
      (local.set $m (i32.add (local.get $m)
        (i32.lt_u (i32.sub (i32.load (i32.add (local.get $idx) (i32.shl (local.get $e) (i32.const 2)))) (local.get $i0)) (local.get $n))))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $scan)))
    ;; sum them in list (batch) order
    (local.set $end (local.get $m))
    (local.set $m (i32.const 0))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $m) (local.get $end)))
      (local.set $e (i32.load (i32.add (local.get $list) (i32.shl (local.get $m) (i32.const 2)))))
      (local.set $i (i32.load (i32.add (local.get $idx) (i32.shl (local.get $e) (i32.const 2)))))
      (local.set $b (i32.div_u (local.get $e) (local.get $K)))
      (i32.store (i32.add (local.get $count) (i32.shl (local.get $i) (i32.const 2)))
        (i32.add (i32.load (i32.add (local.get $count) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 1)))
      (local.set $g (v128.load32_splat (i32.add (i32.add (local.get $G) (i32.mul (local.get $b) (local.get $sb)))
                                                (i32.shl (i32.sub (local.get $e) (i32.mul (local.get $b) (local.get $K))) (i32.const 2)))))
      (local.set $ub (i32.add (local.get $u) (i32.mul (local.get $b) (local.get $rb))))
      (local.set $xb (i32.add (local.get $dX) (i32.mul (local.get $i) (local.get $rb))))
      (local.set $d (i32.const 0))
      (block $lanesDone (loop $lane
        (br_if $lanesDone (i32.ge_u (local.get $d) (local.get $rb)))
        (v128.store (i32.add (local.get $xb) (local.get $d))
          (f32x4.add (v128.load (i32.add (local.get $xb) (local.get $d)))
                     (f32x4.mul (local.get $g) (v128.load (i32.add (local.get $ub) (local.get $d))))))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br $lane)))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $each))))
)
