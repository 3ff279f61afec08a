// The FMA throughput of one core at this ISA's vector width: the ceiling SGEMM is measured against.
#include "cpu/kernels.h"
#include "cpu/kernels/simd.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

// Runs `iters` rounds of 12 independent vector FMA chains (enough to cover FMA latency x pipes on current
// cores) on the calling thread. Returns a checksum of the chains (so the work cannot be optimised away) and
// sets *flops to the floating-point operations done (2 per lane per FMA).
double fma_chains(int64_t iters, int64_t* flops) {
  const int kChains = 12;
  vf c[kChains];
  for (int i = 0; i < kChains; ++i) c[i] = v_set1(1.0f + 0.001f * i);
  const vf m = v_set1(0.999999f), a = v_set1(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) c[i] = v_fma(c[i], m, a);
  }
  alignas(64) float lanes[FASTNN_VL];
  double sum = 0.0;
  for (int i = 0; i < kChains; ++i) {
    v_store(lanes, c[i]);
    for (int l = 0; l < FASTNN_VL; ++l) sum += lanes[l];
  }
  *flops = iters * kChains * FASTNN_VL * 2;
  return sum;
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
