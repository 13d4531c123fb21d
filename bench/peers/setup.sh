#!/usr/bin/env bash
# Gives the PyTorch peer (bench/peers/torch_bench.py) a fast BLAS and allocator without touching the system:
# Debian's python3-torch links the reference BLAS (/usr/lib/x86_64-linux-gnu/libblas.so.3, 15–30× slower on the same
# matmul); this downloads Debian's OpenBLAS (pthread build) and jemalloc with `apt-get download` and unpacks them under
# .bench/peers/root with `dpkg-deb -x`. bench/peers.mjs then runs python3 with
#   LD_LIBRARY_PATH=<root>/usr/lib/x86_64-linux-gnu/openblas-pthread  (its libblas.so.3 shadows the reference one)
#   LD_PRELOAD=<root>/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
#   OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 and torch.set_num_threads(1) (one intra-op thread)
#   MALLOC_CONF=oversize_threshold:1,background_thread:true,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1
#     (Intel's published jemalloc setting for PyTorch on CPU: freed pages are kept for reuse. Without it, every large
#     tensor PyTorch allocates is faulted in afresh: on this VM an 8 MB [2048 x 1024] result costs ~25 ms of page
#     faults against 3 ms for the product itself, which made the peer 6x slower than a tuned PyTorch.)
# Needs python3-torch (`apt-get install -y python3-torch`). Idempotent; prints the two paths.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
root="$here/.bench/peers/root"
blas="$root/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
jemalloc="$root/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
if [[ ! -f "$blas" || ! -f "$jemalloc" ]]; then
  mkdir -p "$here/.bench/peers/debs" "$root"
  cd "$here/.bench/peers/debs"
  apt-get download libopenblas0-pthread libjemalloc2 >/dev/null
  for deb in ./*.deb; do dpkg-deb -x "$deb" "$root"; done
fi
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "python3-torch is not installed (apt-get install -y python3-torch)" >&2; exit 3; }
echo "LD_LIBRARY_PATH=$(dirname "$blas")"
echo "LD_PRELOAD=$jemalloc"
echo "MALLOC_CONF=oversize_threshold:1,background_thread:true,metadata_thp:auto,dirty_decay_ms:-1,muzzy_decay_ms:-1"
