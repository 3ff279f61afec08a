// The vector type of the ISA this translation unit is compiled for, and the few operations the GEMM
// microkernel and the FMA-peak kernel need. Included only by csrc/cpu/kernels/*.cpp, inside no namespace; it
// opens fastnn::cpu::FASTNN_ISA_NS itself. Everything here is `static inline` (kernels.h's rule: nothing the
// linker could merge across ISAs).
//   avx512: __m512, 16 lanes     avx2: __m256 (+FMA), 8 lanes     generic: GCC vector extension, 4 lanes
#pragma once
#include <cstdint>

#include "cpu/kernels.h"  // FASTNN_WIDE

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace fastnn::cpu::FASTNN_ISA_NS {

#if defined(__AVX512F__)
#define FASTNN_VL 16
typedef __m512 vf;
static inline vf v_load(const float* p) { return _mm512_loadu_ps(p); }
static inline void v_store(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf v_bcast(const float* p) { return _mm512_set1_ps(*p); }
static inline vf v_set1(float x) { return _mm512_set1_ps(x); }
static inline vf v_zero() { return _mm512_setzero_ps(); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }  // a*b+c, one rounding
static inline vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf v_relu(vf v) { return _mm512_max_ps(_mm512_setzero_ps(), v); }  // NaN propagates (2nd operand)
static inline float v_hsum(vf v) {  // lanes j + 8, then j + 4, j + 2, j + 1 added in: the generic version's order
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v), hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s4, _mm_movehdup_ps(s4)));
}
#elif defined(__AVX2__) && defined(__FMA__) && !defined(FASTNN_EMULATE_AVX512)
#define FASTNN_VL 8
typedef __m256 vf;
static inline vf v_load(const float* p) { return _mm256_loadu_ps(p); }
static inline void v_store(float* p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf v_bcast(const float* p) { return _mm256_broadcast_ss(p); }
static inline vf v_set1(float x) { return _mm256_set1_ps(x); }
static inline vf v_zero() { return _mm256_setzero_ps(); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf v_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf v_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf v_relu(vf v) { return _mm256_max_ps(_mm256_setzero_ps(), v); }  // NaN propagates (2nd operand)
static inline float v_hsum(vf v) {  // lanes j + 4, then j + 2, j + 1 added in: the generic version's order
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s4, _mm_movehdup_ps(s4)));
}
#else  // GCC vector extension: 4 lanes, or 16 in AVX2 registers in a FASTNN_EMULATE_AVX512 (testing) build
#if defined(FASTNN_WIDE)
#define FASTNN_VL 16
#else
#define FASTNN_VL 4
#endif
typedef float vf __attribute__((vector_size(FASTNN_VL * 4)));
typedef float vf_unaligned __attribute__((vector_size(FASTNN_VL * 4), aligned(4), may_alias));
static inline vf v_load(const float* p) { return *reinterpret_cast<const vf_unaligned*>(p); }
static inline void v_store(float* p, vf v) { *reinterpret_cast<vf_unaligned*>(p) = v; }
static inline vf v_set1(float x) { return vf{} + x; }
static inline vf v_bcast(const float* p) { return v_set1(*p); }
static inline vf v_zero() { return vf{}; }
static inline vf v_fma(vf a, vf b, vf c) { return a * b + c; }  // contracted to one FMA if the target has it
static inline vf v_mul(vf a, vf b) { return a * b; }
static inline vf v_add(vf a, vf b) { return a + b; }
static inline vf v_relu(vf v) { return v < 0.0f ? v_zero() : v; }  // NaN propagates (NaN < 0 is false)
static inline float v_hsum(vf v) {  // the sum of the lanes by a fixed tree: lanes j + VL/2 added in, then j + VL/4...
  float l[FASTNN_VL];
  v_store(l, v);
  for (int w = FASTNN_VL / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j) l[j] += l[j + w];
  return l[0];
}
#endif

}  // namespace fastnn::cpu::FASTNN_ISA_NS
