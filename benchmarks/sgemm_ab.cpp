// The native half of sgemm_ab.py: times fastnn's sgemm of this tree (namespace cur), of another revision
// (namespace base) and OpenBLAS's cblas_sgemm in one process, 1 thread, the three taking turns.
//
//   sgemm_ab OPENBLAS_LIB SYMBOL ROUNDS < shapes   (a line per shape: trans_a trans_b M N K bias relu)
//
// Each round times every side on the same operands (an inner loop of ~20 MFLOP), the order reversed every other
// round; a shape prints the median GFLOP/s of each side and the medians of the per-round time ratios, which
// compare calls made microseconds apart and so cancel the phase of a shared machine. SYMBOL "" skips OpenBLAS
// (its column is then 0); a symbol ending in "64_" takes 64-bit integers (numpy's bundled scipy-openblas64).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace fastnn::cpu {
int num_threads() { return 1; }
}
#define DECLARE_SGEMM(NS)                                                                                   \
  namespace fastnn::cpu::NS {                                                                               \
  void sgemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,  \
             float, float*, int64_t, const float*, int);                                                    \
  }
DECLARE_SGEMM(cur)
DECLARE_SGEMM(base)

typedef void (*Sgemm64)(int, int, int, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                        int64_t, float, float*, int64_t);
typedef void (*Sgemm32)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*,
                        int);

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const std::string symbol = argv[2];
  const int rounds = std::atoi(argv[3]);
  Sgemm64 blas64 = nullptr;
  Sgemm32 blas32 = nullptr;
  if (!symbol.empty()) {
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    void* f = lib ? dlsym(lib, symbol.c_str()) : nullptr;
    if (!f) {
      std::fprintf(stderr, "cannot load %s from %s\n", symbol.c_str(), argv[1]);
      return 1;
    }
    const bool ilp64 = symbol.size() > 3 && symbol.compare(symbol.size() - 3, 3, "64_") == 0;
    if (ilp64) blas64 = reinterpret_cast<Sgemm64>(f);
    else blas32 = reinterpret_cast<Sgemm32>(f);
  }
  int ta, tb, bias_on, relu;
  long M, N, K;
  while (std::scanf("%d %d %ld %ld %ld %d %d", &ta, &tb, &M, &N, &K, &bias_on, &relu) == 7) {
    std::vector<float> A(M * K), B(K * N), C(M * N), bias(N);
    for (auto* v : {&A, &B, &bias})
      for (auto& x : *v) x = std::rand() / float(RAND_MAX) - 0.5f;
    const long lda = ta ? M : K, ldb = tb ? K : N;
    const float* bp = bias_on ? bias.data() : nullptr;
    // OpenBLAS computes the plain product: it has no bias or ReLU epilogue (a reference for the kernel's speed).
    const float *a = A.data(), *b = B.data();
    float* c = C.data();
    const int order = 101, op_a = ta ? 112 : 111, op_b = tb ? 112 : 111;  // CblasRowMajor, CblasTrans / NoTrans
    auto side = [&](int s) {
      if (s == 0) fastnn::cpu::cur::sgemm(ta, tb, M, N, K, 1.0f, a, lda, b, ldb, 0.0f, c, N, bp, relu);
      else if (s == 1) fastnn::cpu::base::sgemm(ta, tb, M, N, K, 1.0f, a, lda, b, ldb, 0.0f, c, N, bp, relu);
      else if (blas64) blas64(order, op_a, op_b, M, N, K, 1.0f, a, lda, b, ldb, 0.0f, c, N);
      else blas32(order, op_a, op_b, M, N, K, 1.0f, a, lda, b, ldb, 0.0f, c, N);
    };
    const int sides = (blas64 || blas32) ? 3 : 2;
    const long inner = std::max(1L, 20000000L / (2 * M * N * K));
    std::vector<std::vector<double>> t(sides);
    for (int r = 0; r < rounds; ++r)
      for (int j = 0; j < sides; ++j) {
        const int s = r % 2 ? sides - 1 - j : j;
        side(s);
        const auto t0 = std::chrono::steady_clock::now();
        for (long i = 0; i < inner; ++i) side(s);
        t[s].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / inner);
      }
    auto gflops = [&](int s) { return s < sides ? 2.0 * M * N * K / median(t[s]) / 1e9 : 0.0; };
    auto ratio = [&](int s, int over) {
      if (s >= sides) return 0.0;
      std::vector<double> q;
      for (int r = 0; r < rounds; ++r) q.push_back(t[s][r] / t[over][r]);
      return median(q);
    };
    std::printf("%d %d %ld %ld %ld %d %d %.2f %.2f %.2f %.4f %.4f\n", ta, tb, M, N, K, bias_on, relu, gflops(0),
                gflops(1), gflops(2), ratio(1, 0), ratio(2, 0));
    std::fflush(stdout);
  }
  return 0;
}
