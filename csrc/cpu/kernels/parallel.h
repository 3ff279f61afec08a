// Splitting a kernel's independent items over OpenMP threads. Included only by csrc/cpu/kernels/*.cpp, inside no
// namespace; everything here is `static inline` in the ISA namespace (cpu/kernels.h's rule).
#pragma once
#include <cstdint>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cpu/kernels.h"

namespace fastnn::cpu::FASTNN_ISA_NS {

// Calls body(i0, i1) on [0, n) whole when `parallel` is false or there is one thread (no OpenMP region at all:
// even a serialized one costs ~0.3-0.4 us, as much as a small kernel), else on one contiguous share of [0, n)
// per thread. The items must be independent, so that any split gives the same bytes. Bodies capture by value:
// a value read through a reference is reloaded after every store that may alias it (a uint8_t store aliases
// anything; gather_rows in place ran 1.2-1.4x slower that way).
template <typename Body>
static inline void for_ranges(int64_t n, bool parallel, Body body) {
  const int nt = parallel ? num_threads() : 1;
  if (nt <= 1) return body(int64_t(0), n);
#pragma omp parallel num_threads(nt)
  {
#ifdef _OPENMP
    const int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int64_t t = 0, T = 1;
#endif
    if (n * (t + 1) / T > n * t / T) body(n * t / T, n * (t + 1) / T);
  }
}

}  // namespace fastnn::cpu::FASTNN_ISA_NS
