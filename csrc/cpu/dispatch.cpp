// Run-time choice of the kernel table: cpuid for the instruction sets, xgetbv for the register state the OS
// saves (AVX needs XMM|YMM, AVX-512 also opmask|ZMM_Hi256|Hi16_ZMM), then FASTNN_ISA or set_isa() may pick a
// lower one.
#include "cpu/dispatch.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(FASTNN_X86)
#include <cpuid.h>
#endif

namespace fastnn::cpu {

#define FASTNN_TABLE(ns) \
  KernelTable { #ns, FASTNN_CPU_KERNELS(FASTNN_KERNEL_ADDRESS_##ns) }
#define FASTNN_KERNEL_ADDRESS_generic(name, ret, params) &generic::name,
#define FASTNN_KERNEL_ADDRESS_avx2(name, ret, params) &avx2::name,
#define FASTNN_KERNEL_ADDRESS_avx512(name, ret, params) &avx512::name,

static const KernelTable kGeneric = FASTNN_TABLE(generic);
#if defined(FASTNN_X86)
static const KernelTable kAvx2 = FASTNN_TABLE(avx2);
static const KernelTable kAvx512 = FASTNN_TABLE(avx512);
#endif

static bool cpu_has_avx2() {
#if defined(FASTNN_X86)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12), f16c = c & (1u << 29);
  if (!(osxsave && avx && fma && f16c)) return false;
  unsigned xlo, xhi;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  if ((xlo & 0x6) != 0x6) return false;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return b & (1u << 5);
#else
  return false;
#endif
}

static bool cpu_has_avx512() {
#if defined(FASTNN_X86)
  if (!cpu_has_avx2()) return false;
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F, DQ, BW, VL
  if ((b & need) != need) return false;
  unsigned xlo, xhi;
  __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  return (xlo & 0xE6) == 0xE6;
#else
  return false;
#endif
}

bool isa_supported(const std::string& name) {
  if (name == "generic") return true;
  if (name == "avx2") return cpu_has_avx2();
#if defined(FASTNN_EMULATE_AVX512)
  if (name == "avx512") return cpu_has_avx2();  // a developer build: the avx512 table holds AVX2 code
#else
  if (name == "avx512") return cpu_has_avx512();
#endif
  return false;
}

static const KernelTable* table_for(const std::string& name) {
#if defined(FASTNN_X86)
  if (name == "avx512") return &kAvx512;
  if (name == "avx2") return &kAvx2;
#endif
  if (name == "generic") return &kGeneric;
  return nullptr;
}

std::string best_isa() {
  if (isa_supported("avx512")) return "avx512";
  if (isa_supported("avx2")) return "avx2";
  return "generic";
}

static const KernelTable* g_table = nullptr;

const KernelTable& kernels() {
  if (!g_table) g_table = table_for(best_isa());
  return *g_table;
}

void set_isa(const std::string& name) {
  const KernelTable* t = table_for(name);
  if (!t) throw std::invalid_argument("unknown ISA '" + name + "': expected one of generic, avx2, avx512");
  if (!isa_supported(name))
    throw std::runtime_error("this CPU (or its OS) does not support ISA '" + name + "'; the best available is '" +
                             best_isa() + "'");
  g_table = t;
}

std::string current_isa() { return kernels().isa; }

static int g_num_threads = 0;

int num_threads() {
  if (g_num_threads <= 0) {
#ifdef _OPENMP
    g_num_threads = omp_get_max_threads();
#else
    g_num_threads = 1;
#endif
  }
  return g_num_threads;
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads expects a positive number of threads, got " + std::to_string(n));
  g_num_threads = n;
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace fastnn::cpu
