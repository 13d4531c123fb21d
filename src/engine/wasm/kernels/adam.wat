;; Adam row updates in float32 SIMD (4 floats per instruction), over a table, its two moments and gradient sums that
;; live in one WebAssembly memory (src/engine/wasm/heap.ts). Hot path of every Adam step (docs/benchmarks.md).
;; All addresses are byte offsets; a row is $rb bytes (a multiple of 16).
;;
;;   m = b1·m + (1−b1)·g;   v = b2·v + (1−b2)·g²;   w −= step·m / (√v + eps)
;;
;; step and eps arrive with the bias correction folded in (tensor/sparse-optimizer.ts).
(module
  (import "env" "mem" (memory 1 65536 shared))

  ;; Lazy Adam: for r < n, row = rows[r] (i32 ids at $rows), gradient = the r-th row of $g.
  ;; The weights and moments of the row PREFETCH (4) rows ahead are touched one word per 64-byte line first: the update
  ;; is memory-latency bound on tables larger than the cache, and the early loads overlap this row's arithmetic.
  (func $adamRows (export "adamRows")
        (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $rows i32) (param $n i32) (param $rb i32)
        (param $b1 f32) (param $b2 f32) (param $step f32) (param $eps f32)
    (local $r i32) (local $o i32) (local $o2 i32) (local $k i32) (local $sink i32)
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $o (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2)))) (local.get $rb)))
      (if (i32.lt_u (i32.add (local.get $r) (i32.const 4)) (local.get $n))
        (then
          (local.set $o2 (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (i32.add (local.get $r) (i32.const 4)) (i32.const 2))))
                                  (local.get $rb)))
          (local.set $k (i32.const 0))
          (block $pfDone (loop $pf
            (br_if $pfDone (i32.ge_u (local.get $k) (local.get $rb)))
            (local.set $sink (i32.add (local.get $sink)
              (i32.add (i32.load (i32.add (local.get $w) (i32.add (local.get $o2) (local.get $k))))
                (i32.add (i32.load (i32.add (local.get $m) (i32.add (local.get $o2) (local.get $k))))
                         (i32.load (i32.add (local.get $v) (i32.add (local.get $o2) (local.get $k))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 64)))
            (br $pf)))))
      (call $row (i32.add (local.get $w) (local.get $o)) (i32.add (local.get $m) (local.get $o)) (i32.add (local.get $v) (local.get $o))
                 (local.get $g) (local.get $rb) (local.get $b1) (local.get $b2) (local.get $step) (local.get $eps))
      (local.set $g (i32.add (local.get $g) (local.get $rb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; Dense Adam (torch.optim.Adam on a table) over rows [$first, $first + $n): a row whose slot ($slots: one i32 per
  ;; table row) is ≥ 0 has its gradient at $g + slot·$rb; any other row has gradient 0 (its moments decay and it keeps
  ;; moving on its momentum). No full-table gradient is ever written or cleared.
  (func $adamDense (export "adamDense")
        (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $slots i32) (param $first i32) (param $n i32) (param $rb i32)
        (param $b1 f32) (param $b2 f32) (param $step f32) (param $eps f32)
    (local $r i32) (local $end i32) (local $o i32) (local $s i32)
    (local.set $r (local.get $first))
    (local.set $end (i32.add (local.get $first) (local.get $n)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $end)))
      (local.set $o (i32.mul (local.get $r) (local.get $rb)))
      (local.set $s (i32.load (i32.add (local.get $slots) (i32.shl (local.get $r) (i32.const 2)))))
      (if (i32.ge_s (local.get $s) (i32.const 0))
        (then (call $row (i32.add (local.get $w) (local.get $o)) (i32.add (local.get $m) (local.get $o)) (i32.add (local.get $v) (local.get $o))
                         (i32.add (local.get $g) (i32.mul (local.get $s) (local.get $rb))) (local.get $rb)
                         (local.get $b1) (local.get $b2) (local.get $step) (local.get $eps)))
        (else (call $coast (i32.add (local.get $w) (local.get $o)) (i32.add (local.get $m) (local.get $o)) (i32.add (local.get $v) (local.get $o))
                           (local.get $rb) (local.get $b1) (local.get $b2) (local.get $step) (local.get $eps))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; Dense Adam with a full gradient: rows [$first, $first + $n), row r's gradient at $g + r·$rb (a graph backbone's
  ;; ego gradient, which back-propagation makes dense: models/lightgcn.ts).
  (func (export "adamFull")
        (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $first i32) (param $n i32) (param $rb i32)
        (param $b1 f32) (param $b2 f32) (param $step f32) (param $eps f32)
    (local $r i32) (local $end i32) (local $o i32)
    (local.set $r (local.get $first))
    (local.set $end (i32.add (local.get $first) (local.get $n)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $r) (local.get $end)))
      (local.set $o (i32.mul (local.get $r) (local.get $rb)))
      (call $row (i32.add (local.get $w) (local.get $o)) (i32.add (local.get $m) (local.get $o)) (i32.add (local.get $v) (local.get $o))
                 (i32.add (local.get $g) (local.get $o)) (local.get $rb)
                 (local.get $b1) (local.get $b2) (local.get $step) (local.get $eps))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each))))

  ;; one row with gradient g
  (func $row (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $rb i32)
             (param $b1 f32) (param $b2 f32) (param $step f32) (param $eps f32)
    (local $k i32) (local $gk v128) (local $mk v128) (local $vk v128)
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $k) (local.get $rb)))
      (local.set $gk (v128.load (i32.add (local.get $g) (local.get $k))))
      (local.set $mk (f32x4.add (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load (i32.add (local.get $m) (local.get $k))))
                                (f32x4.mul (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))) (local.get $gk))))
      (v128.store (i32.add (local.get $m) (local.get $k)) (local.get $mk))
      (local.set $vk (f32x4.add (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load (i32.add (local.get $v) (local.get $k))))
                                (f32x4.mul (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))) (f32x4.mul (local.get $gk) (local.get $gk)))))
      (v128.store (i32.add (local.get $v) (local.get $k)) (local.get $vk))
      (v128.store (i32.add (local.get $w) (local.get $k))
        (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $k)))
                   (f32x4.div (f32x4.mul (f32x4.splat (local.get $step)) (local.get $mk))
                              (f32x4.add (f32x4.sqrt (local.get $vk)) (f32x4.splat (local.get $eps))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $lane))))

  ;; one row with gradient 0: m = b1·m, v = b2·v, w −= step·m/(√v + eps)
  (func $coast (param $w i32) (param $m i32) (param $v i32) (param $rb i32)
               (param $b1 f32) (param $b2 f32) (param $step f32) (param $eps f32)
    (local $k i32) (local $mk v128) (local $vk v128)
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $k) (local.get $rb)))
      (local.set $mk (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load (i32.add (local.get $m) (local.get $k)))))
      (v128.store (i32.add (local.get $m) (local.get $k)) (local.get $mk))
      (local.set $vk (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load (i32.add (local.get $v) (local.get $k)))))
      (v128.store (i32.add (local.get $v) (local.get $k)) (local.get $vk))
      (v128.store (i32.add (local.get $w) (local.get $k))
        (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $k)))
                   (f32x4.div (f32x4.mul (f32x4.splat (local.get $step)) (local.get $mk))
                              (f32x4.add (f32x4.sqrt (local.get $vk)) (f32x4.splat (local.get $eps))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $lane)))))
