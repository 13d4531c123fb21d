;; Top-K candidate scan (eval/topk.ts): the byte address of the first 16-float group at or after $p holding a value
;; > $thr (NaN never qualifies), or the first address ≥ $end. Groups start at $p + 64·n and are read only when
;; $p + 64·n < $end, so callers pass $end = address of the last full group + 1. It imports the tfjs wasm backend's own
;; memory and reads the matMul output in place; in plain JS this scan cost ~1.6 ns/item, here ~10× less (measured).
(module
  (import "env" "memory" (memory 0))
  (func (export "scan") (param $p i32) (param $end i32) (param $thr f32) (result i32)
    (local $t v128)
    (local.set $t (f32x4.splat (local.get $thr)))
    (block $found (loop $each
      (br_if $found (i32.ge_u (local.get $p) (local.get $end)))
      (br_if $found (v128.any_true
        (v128.or (v128.or (f32x4.gt (v128.load offset=0 align=1 (local.get $p)) (local.get $t))
                          (f32x4.gt (v128.load offset=16 align=1 (local.get $p)) (local.get $t)))
                 (v128.or (f32x4.gt (v128.load offset=32 align=1 (local.get $p)) (local.get $t))
                          (f32x4.gt (v128.load offset=48 align=1 (local.get $p)) (local.get $t))))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $each)))
    (local.get $p)))
