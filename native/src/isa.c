/* Run-time choice of the kernels' instruction set: the best the CPU supports, unless a test or benchmark asks for
 * another (isa_set), or RECLAB_NATIVE_ISA=scalar|avx2|avx512 says so at load time. */
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

static int chosen = -1;

isa_t isa_best(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ISA_AVX2;
#endif
  return ISA_SCALAR;
}

isa_t isa_current(void) {
  if (chosen < 0) {
    isa_t best = isa_best();
    const char *env = getenv("RECLAB_NATIVE_ISA");
    chosen = best;
    if (env && *env) {
      isa_t want = strcmp(env, "scalar") == 0 ? ISA_SCALAR : strcmp(env, "avx2") == 0 ? ISA_AVX2 : ISA_AVX512;
      if (want <= best) chosen = want;
    }
  }
  return (isa_t)chosen;
}

int isa_set(isa_t isa) {
  if (isa > isa_best()) return 0;
  chosen = isa;
  return 1;
}

const char *isa_name(isa_t isa) {
  return isa == ISA_AVX512 ? "avx512" : isa == ISA_AVX2 ? "avx2" : "scalar";
}
