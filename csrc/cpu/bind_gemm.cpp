// Bindings of the GEMM family (csrc/cpu/kernels/gemm.cpp, fma_peak.cpp): sgemm, bias_grad, fma_peak.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <memory>

#include "common.h"
#include "cpu/kernels.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn {
namespace {

// A 2-D float32 matrix whose rows are contiguous (unit element stride) and laid out at a positive row
// stride `ld` >= cols: a C-contiguous array, or a row slice / column slice of one. Anything else raises.
struct Matrix {
  float* data;
  int64_t rows, cols, ld;
};

Matrix as_matrix(const py::array& a, const char* name, bool writable) {
  if (!py::isinstance<py::array_t<float>>(a) || !a.dtype().is(py::dtype::of<float>()))
    throw py::type_error(std::string(name) + ": expected a float32 array, got dtype " + std::string(py::str(a.dtype())));
  if (a.ndim() != 2)
    throw py::value_error(std::string(name) + ": expected a 2-D array, got shape " + shape_str(a));
  const int64_t rows = a.shape(0), cols = a.shape(1), es = int64_t(sizeof(float));
  const int64_t s0 = a.strides(0), s1 = a.strides(1);
  int64_t ld = cols > 1 ? cols : 1;
  if (rows > 0 && cols > 0) {
    if (cols > 1 && s1 != es)
      throw py::value_error(std::string(name) + ": rows must be contiguous (shape " + shape_str(a) + ", strides " +
                            std::to_string(s0) + ", " + std::to_string(s1) + ")");
    if (rows > 1) {
      if (s0 % es != 0 || s0 / es < ld)
        throw py::value_error(std::string(name) + ": expected rows at a positive stride of at least one row "
                              "(shape " + shape_str(a) + ", strides " + std::to_string(s0) + ", " +
                              std::to_string(s1) + ")");
      ld = s0 / es;
    }
  }
  if (writable && !a.writeable()) throw py::value_error(std::string(name) + ": output array is read-only");
  return Matrix{static_cast<float*>(const_cast<void*>(a.data())), rows, cols, ld};
}

// Byte range [first, last) a matrix touches, for the aliasing check.
bool overlaps(const Matrix& x, const Matrix& y) {
  if (x.rows == 0 || x.cols == 0 || y.rows == 0 || y.cols == 0) return false;
  const char* x0 = reinterpret_cast<const char*>(x.data);
  const char* x1 = reinterpret_cast<const char*>(x.data + (x.rows - 1) * x.ld + x.cols);
  const char* y0 = reinterpret_cast<const char*>(y.data);
  const char* y1 = reinterpret_cast<const char*>(y.data + (y.rows - 1) * y.ld + y.cols);
  return x0 < y1 && y0 < x1;
}

std::string dims(int64_t r, int64_t c) { return "[" + std::to_string(r) + ", " + std::to_string(c) + "]"; }

void sgemm(const py::array& a, const py::array& b, py::array& c, bool trans_a, bool trans_b, float alpha, float beta,
           const py::object& bias, bool relu) {
  const Matrix A = as_matrix(a, "a", false), B = as_matrix(b, "b", false), C = as_matrix(c, "c", true);
  const int64_t M = trans_a ? A.cols : A.rows, K = trans_a ? A.rows : A.cols;
  const int64_t K2 = trans_b ? B.cols : B.rows, N = trans_b ? B.rows : B.cols;
  if (K != K2)
    throw py::value_error("sgemm: op(a) has shape " + dims(M, K) + " but op(b) has shape " + dims(K2, N));
  if (C.rows != M || C.cols != N)
    throw py::value_error("sgemm: c has shape " + shape_str(c) + " but op(a) @ op(b) has shape " + dims(M, N));
  if (overlaps(C, A) || overlaps(C, B)) throw py::value_error("sgemm: c must not overlap a or b");
  const float* bias_p = nullptr;
  if (!bias.is_none()) {
    if (!py::isinstance<py::array>(bias)) throw py::type_error("sgemm: bias must be a float32 array or None");
    const py::array bias_a = py::reinterpret_borrow<py::array>(bias);
    bias_p = in_ptr<float>(bias_a, "bias", 1);
    if (bias_a.shape(0) != N)
      throw py::value_error("sgemm: bias has shape " + shape_str(bias_a) + " but op(a) @ op(b) has shape " +
                            dims(M, N));
  }
  py::gil_scoped_release nogil;
  cpu::kernels().sgemm(trans_a, trans_b, M, N, K, alpha, A.data, A.ld, B.data, B.ld, beta, C.data, C.ld, bias_p,
                       relu ? 1 : 0);
}

// An output of shape [rows, cols] ([rows] when cols < 0): `given` when it is an array (checked: C-contiguous,
// writable float32 of that shape), else a new array; none (ptr null) when not needed.
py::object output(bool needed, const py::object& given, const char* name, int64_t rows, int64_t cols, float*& ptr) {
  ptr = nullptr;
  if (!needed) return py::none();
  py::array a;
  if (given.is_none()) {
    a = cols < 0 ? py::array_t<float>(rows) : py::array_t<float>({rows, cols});
  } else {
    if (!py::isinstance<py::array>(given))
      throw py::type_error(std::string(name) + ": expected a float32 array or None");
    a = py::reinterpret_borrow<py::array>(given);
    check_array<float>(a, name, cols < 0 ? 1 : 2, true);
    if (a.shape(0) != rows || (cols >= 0 && a.shape(1) != cols))
      throw py::value_error(std::string(name) + ": expected shape " +
                            (cols < 0 ? "[" + std::to_string(rows) + "]" : dims(rows, cols)) + ", got " + shape_str(a));
  }
  ptr = static_cast<float*>(a.mutable_data());
  return std::move(a);
}

bool overlaps_any(const float* p, int64_t n, std::initializer_list<Matrix> ms) {
  if (!p || n == 0) return false;
  const Matrix out{const_cast<float*>(p), 1, n, n};
  for (const Matrix& m : ms)
    if (overlaps(out, m)) return true;
  return false;
}

// The backward of y = x @ w^T + b, or of y = relu(x @ w^T + b) when the forward output y is given: g (dL/dy) is
// then masked by y > 0 first. Returns (gx, gw, gb): gx = g @ w [M, K], gw = g^T @ x [N, K], gb = column sums of g
// [N], None where not needed. Outputs are written into the arrays given (the caller's reused buffers) or into new
// ones. One call instead of four: the small layers of a training step are bound by per-call costs.
py::tuple linear_backward(const py::array& g, const py::object& y, const py::array& x, const py::array& w,
                          bool need_gx, bool need_gw, bool need_gb, const py::object& gx_out,
                          const py::object& gw_out, const py::object& gb_out) {
  const float* gp = in_ptr<float>(g, "g", 2);
  const Matrix X = as_matrix(x, "x", false), W = as_matrix(w, "w", false);
  const int64_t M = g.shape(0), N = g.shape(1), K = W.cols;
  if (W.rows != N || X.rows != M || X.cols != K)
    throw py::value_error("linear_backward: g has shape " + shape_str(g) + ", x " + shape_str(x) + " and w " +
                          shape_str(w) + " (expected g [M, N], x [M, K], w [N, K])");
  const float* yp = nullptr;
  if (!y.is_none()) {
    if (!py::isinstance<py::array>(y)) throw py::type_error("linear_backward: y must be a float32 array or None");
    const py::array ya = py::reinterpret_borrow<py::array>(y);
    yp = in_ptr<float>(ya, "y", 2);
    check_same_shape(g, "g", ya, "y");
  }
  float *gxp, *gwp, *gbp;
  py::object gx = output(need_gx, gx_out, "gx", M, K, gxp);
  py::object gw = output(need_gw, gw_out, "gw", N, K, gwp);
  py::object gb = output(need_gb, gb_out, "gb", N, -1, gbp);
  const Matrix G{const_cast<float*>(gp), M, N, N};
  const Matrix GX{gxp, gxp ? M : 0, K, K}, GW{gwp, gwp ? N : 0, K, K};
  if (overlaps_any(gxp, M * K, {G, X, W, GW}) || overlaps_any(gwp, N * K, {G, X, W}) ||
      overlaps_any(gbp, N, {G, X, W, GX, GW}))
    throw py::value_error("linear_backward: an output overlaps an input or another output");
  {
    py::gil_scoped_release nogil;
    const auto& k = cpu::kernels();
    std::unique_ptr<float[]> masked;
    if (yp) {
      masked.reset(new float[size_t(M * N)]);
      k.relu_backward(gp, yp, masked.get(), M * N);
      gp = masked.get();
    }
    if (gxp) k.sgemm(false, false, M, K, N, 1.0f, gp, N, W.data, W.ld, 0.0f, gxp, K, nullptr, 0);
    if (gwp) k.sgemm(true, false, N, K, M, 1.0f, gp, N, X.data, X.ld, 0.0f, gwp, K, nullptr, 0);
    if (gbp) k.bias_grad(gp, M, N, gbp, 0.0f);
  }
  return py::make_tuple(gx, gw, gb);
}

void bias_grad(const py::array& g, py::array& out, float beta) {
  const float* gp = in_ptr<float>(g, "g", 2);
  float* op = out_ptr<float>(out, "out", 1);
  if (out.shape(0) != g.shape(1))
    throw py::value_error("bias_grad: g has shape " + shape_str(g) + " but out has shape " + shape_str(out));
  py::gil_scoped_release nogil;
  cpu::kernels().bias_grad(gp, g.shape(0), g.shape(1), op, beta);
}

// GFLOP/s of independent FMA chains on `threads` threads (each running the same chains), best of `repeats`
// runs of about `seconds` each, at the vector width of the ISA in use.
double fma_peak(int threads, double seconds, int repeats) {
  if (threads < 1) throw py::value_error("fma_peak: threads must be >= 1");
  if (!(seconds > 0.0) || repeats < 1) throw py::value_error("fma_peak: seconds must be > 0 and repeats >= 1");
  py::gil_scoped_release nogil;
  using clock = std::chrono::steady_clock;
  const auto& k = cpu::kernels();
  int64_t flops = 0;
  volatile double sink = 0.0;
  // Calibrate: iterations for `seconds` on one thread.
  int64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = clock::now();
    sink = sink + k.fma_chains(iters, &flops);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > 0.2 * seconds || iters > (int64_t(1) << 40)) {
      iters = int64_t(double(iters) * seconds / (dt > 0 ? dt : 1e-9)) + 1;
      break;
    }
    iters *= 4;
  }
  double best = 0.0;
  for (int r = 0; r < repeats; ++r) {
    int team = 1;
    const auto t0 = clock::now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
    {
      int64_t f = 0;
      const double s = k.fma_chains(iters, &f);
#pragma omp critical
      sink = sink + s;
#pragma omp master
      {
        team = omp_get_num_threads();
        flops = f;
      }
    }
#else
    sink = sink + k.fma_chains(iters, &flops);
#endif
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    const double gflops = double(flops) * team / dt * 1e-9;
    if (gflops > best) best = gflops;
  }
  (void)sink;
  return best;
}

}  // namespace

void bind_gemm(py::module_& m) {
  m.def("sgemm", &sgemm, py::arg("a"), py::arg("b"), py::arg("c"), py::arg("trans_a") = false,
        py::arg("trans_b") = false, py::arg("alpha") = 1.0f, py::arg("beta") = 0.0f, py::arg("bias") = py::none(),
        py::arg("relu") = false,
        "c = alpha * op(a) @ op(b) + beta * c (+ bias per column) (then max(., 0) when relu), float32 2-D arrays\n"
        "with contiguous rows (C-contiguous, or a row/column slice of one); op = transpose when its flag is set.\n"
        "beta == 0 never reads c. c must not overlap a or b.");
  m.def("linear_backward", &linear_backward, py::arg("g"), py::arg("y"), py::arg("x"), py::arg("w"),
        py::arg("need_gx"), py::arg("need_gw"), py::arg("need_gb"), py::arg("gx") = py::none(),
        py::arg("gw") = py::none(), py::arg("gb") = py::none(),
        "Backward of y = [relu](x @ w^T + b): (gx, gw, gb) = (g' @ w, g'^T @ x, g'.sum(0)) with g' = g * (y > 0)\n"
        "when y (the forward output) is given, else g; None where not needed. Needed outputs go into the arrays\n"
        "given (C-contiguous float32) or into new ones.");
  m.def("bias_grad", &bias_grad, py::arg("g"), py::arg("out"), py::arg("beta") = 0.0f,
        "out = g.sum(axis=0) (+ beta * out; beta == 0 never reads out), g float32 C-contiguous [M, N], out [N].");
  m.def("fma_peak", &fma_peak, py::arg("threads") = 1, py::arg("seconds") = 0.05, py::arg("repeats") = 3,
        "Measured FMA throughput in GFLOP/s on `threads` threads at the vector width of the ISA in use.");
}

}  // namespace fastnn
