// Bindings of the GEMM family (csrc/cpu/kernels/gemm.cpp, fma_peak.cpp): sgemm, matmul, the Linear chain, bias_grad,
// fma_peak.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <memory>
#include <vector>

#include "common.h"
#include "cpu/kernels.h"
#include "cpu/matrix.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fastnn {
namespace {

void check_float32(const py::array& a, const char* name) {
  if (!py::isinstance<py::array_t<float>>(a) || !a.dtype().is(py::dtype::of<float>()))
    throw py::type_error(std::string(name) + ": expected a float32 array, got dtype " + std::string(py::str(a.dtype())));
}

Matrix as_matrix(const py::array& a, const char* name, bool writable) {
  check_float32(a, name);
  if (a.ndim() != 2)
    throw py::value_error(std::string(name) + ": expected a 2-D array, got shape " + shape_str(a));
  Matrix m;
  const int64_t s0 = a.strides(0), s1 = a.strides(1);
  if (!rows_layout(const_cast<void*>(a.data()), a.shape(0), a.shape(1), s0, s1, m)) {
    const std::string layout = " (shape " + shape_str(a) + ", strides " + std::to_string(s0) + ", " +
                               std::to_string(s1) + ")";
    if (a.shape(1) > 1 && s1 != int64_t(sizeof(float)))
      throw py::value_error(std::string(name) + ": rows must be contiguous" + layout);
    throw py::value_error(std::string(name) + ": expected rows at a positive stride of at least one row" + layout);
  }
  if (writable && !a.writeable()) throw py::value_error(std::string(name) + ": output array is read-only");
  return m;
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

// An operand of a product: as_matrix's matrices, and also a transposed view of one (contiguous columns), returned
// as the matrix it transposes with `flipped` set.
Matrix as_operand(const py::array& a, const char* name, bool& flipped) {
  Matrix m;
  flipped = a.ndim() == 2 && columns_layout(const_cast<void*>(a.data()), a.shape(0), a.shape(1), a.strides(0),
                                            a.strides(1), m);
  if (!flipped) return as_matrix(a, name, false);
  check_float32(a, name);
  return m;
}

// The product op(a) @ op(b), transposed views read as the matrices they transpose (flags flipped); raises when
// the inner sizes differ.
Product product(const py::array& a, const py::array& b, bool trans_a, bool trans_b, const char* who) {
  bool flip_a, flip_b;
  const Matrix A = as_operand(a, "a", flip_a), B = as_operand(b, "b", flip_b);
  int64_t K2;
  const Product p = make_product(A, trans_a ^ flip_a, B, trans_b ^ flip_b, K2);
  if (p.K != K2)
    throw py::value_error(std::string(who) + ": op(a) has shape " + dims(p.M, p.K) + " but op(b) has shape " +
                          dims(K2, p.N));
  return p;
}

void sgemm(const py::array& a, const py::array& b, py::array& c, bool trans_a, bool trans_b, float alpha, float beta,
           const py::object& bias, bool relu) {
  const Product p = product(a, b, trans_a, trans_b, "sgemm");
  const Matrix &A = p.A, &B = p.B, C = as_matrix(c, "c", true);
  const int64_t M = p.M, N = p.N, K = p.K;
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
  cpu::kernels().sgemm(p.ta, p.tb, M, N, K, alpha, A.data, A.ld, B.data, B.ld, beta, C.data, C.ld, bias_p,
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

// The data of `a`, a C-contiguous float32 array of g's shape, or nullptr when it is None.
const float* optional_like(const py::object& a, const char* name, const py::array& g) {
  if (a.is_none()) return nullptr;
  if (!py::isinstance<py::array>(a)) throw py::type_error(std::string(name) + " must be a float32 array or None");
  const py::array arr = py::reinterpret_borrow<py::array>(a);
  const float* p = in_ptr<float>(arr, name, 2);
  check_same_shape(g, "g", arr, name);
  return p;
}

// One layer's backward on raw pointers, the GIL released: g [M, N] is first masked by y > 0 into `masked` when
// y is given (masked may be g itself when the caller owns g); then gx = g @ w [M, K], gw = g^T @ x [N, K] and
// gb = column sums of g [N], each where its pointer is non-null.
void layer_backward(const cpu::KernelTable& k, const float* g, const float* y, float* masked, int64_t M, int64_t N,
                    const Matrix& X, const Matrix& W, float* gx, float* gw, float* gb) {
  const int64_t K = W.cols;
  if (y) {
    k.relu_backward(g, y, masked, M * N);
    g = masked;
  }
  if (gx) k.sgemm(false, false, M, K, N, 1.0f, g, N, W.data, W.ld, 0.0f, gx, K, nullptr, 0);
  if (gw) k.sgemm(true, false, N, K, M, 1.0f, g, N, X.data, X.ld, 0.0f, gw, K, nullptr, 0);
  if (gb) k.bias_grad(g, M, N, gb, 0.0f);
}

// ---- a chain of Linear layers (nn/_linear_chain.py) in one call each way: a small MLP's training step is bound
// by per-call costs, and each layer through its own binding costs a few microseconds more.

// A tuple of the list's items: it holds a reference to each array while the GIL is released, whatever happens to
// the list meanwhile.
py::tuple held(const py::list& l) { return py::reinterpret_steal<py::tuple>(PyList_AsTuple(l.ptr())); }

// The layers' weights [n_i, k_i] (k_0 = x's columns, k_{i+1} = n_i), checked; with `biases`, also theirs ([n_i] or
// None) into bias_ptrs.
std::vector<Matrix> chain_weights(const py::tuple& weights, int64_t k0, const py::tuple* biases = nullptr,
                                  std::vector<const float*>* bias_ptrs = nullptr) {
  const size_t L = weights.size();
  if (L == 0 || (biases && biases->size() != L))
    throw py::value_error("linear_chain: expected at least one weight and one bias (or None) per weight, got " +
                          std::to_string(L) + " weights and " + std::to_string(biases ? biases->size() : L) +
                          " biases");
  std::vector<Matrix> ws;
  if (bias_ptrs) bias_ptrs->assign(L, nullptr);
  int64_t k = k0;
  for (size_t i = 0; i < L; ++i) {
    if (!py::isinstance<py::array>(weights[i])) throw py::type_error("linear_chain: weights must be float32 arrays");
    const py::array w = py::reinterpret_borrow<py::array>(weights[i]);
    ws.push_back(as_matrix(w, "weight", false));
    if (ws.back().cols != k)
      throw py::value_error("linear_chain: weight " + std::to_string(i) + " has shape " + shape_str(w) +
                            " but its input has " + std::to_string(k) + " features");
    k = ws.back().rows;
    if (biases && !(*biases)[i].is_none()) {
      const py::object bo = (*biases)[i];
      if (!py::isinstance<py::array>(bo)) throw py::type_error("linear_chain: biases must be float32 arrays or None");
      const py::array b = py::reinterpret_borrow<py::array>(bo);
      (*bias_ptrs)[i] = in_ptr<float>(b, "bias", 1);
      if (b.shape(0) != k)
        throw py::value_error("linear_chain: bias " + std::to_string(i) + " has shape " + shape_str(b) +
                              " but weight " + std::to_string(i) + " has " + std::to_string(k) + " rows");
    }
  }
  return ws;
}

std::vector<bool> flags(const py::sequence& s, size_t n, const char* name) {
  if (s.size() != n)
    throw py::value_error(std::string("linear_chain: expected ") + std::to_string(n) + " " + name + ", got " +
                          std::to_string(s.size()));
  std::vector<bool> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = py::cast<bool>(s[i]);
  return f;
}

// Where the outputs of matmul and the Linear chain come from: arrays of min_bytes or more from alloc(shape) (the
// caller's pool of reused buffers, checked here), smaller ones new; min_bytes < 0: all new.
struct Allocator {
  const py::object& alloc;
  int64_t min_bytes;
  const char* who;  // the binding, for error messages
  // A [rows, cols] float32 output that overlaps none of `inputs`.
  py::object operator()(const char* name, int64_t rows, int64_t cols, float*& ptr,
                        std::initializer_list<const std::vector<Matrix>*> inputs) const {
    if (min_bytes < 0 || rows * cols * int64_t(sizeof(float)) < min_bytes)
      return output(true, py::none(), name, rows, cols, ptr);
    py::object o = output(true, alloc(py::make_tuple(rows, cols)), name, rows, cols, ptr);
    for (const auto* ms : inputs)
      for (const Matrix& m : *ms)
        if (overlaps_any(ptr, rows * cols, {m}))
          throw py::value_error(std::string(who) + ": an output overlaps an input");
    return o;
  }
};

// h_0 = x, h_{i+1} = h_i @ w_i^T + b_i (then max(., 0) where relus[i]); then log_softmax(h_L) when asked.
// Returns [h_1, ..., h_L] (+ the log-softmax) in arrays from `Allocator`.
py::list linear_chain_forward(const py::array& x, const py::list& weight_list, const py::list& bias_list,
                              const py::sequence& relus, bool log_softmax, const py::object& alloc,
                              int64_t alloc_min_bytes) {
  const py::tuple weights = held(weight_list), biases = held(bias_list);
  const std::vector<Matrix> xs{as_matrix(x, "x", false)};
  const int64_t M = xs[0].rows;
  std::vector<const float*> bias_ptrs;
  const std::vector<Matrix> ws = chain_weights(weights, xs[0].cols, &biases, &bias_ptrs);
  const size_t L = ws.size();
  const std::vector<bool> relu = flags(relus, L, "relu flags");
  const Allocator out{alloc, alloc_min_bytes, "linear_chain"};
  py::list result;
  std::vector<Matrix> hs;  // h_1..h_L (+ the log-softmax)
  for (size_t i = 0; i <= L; ++i) {
    if (i == L && !log_softmax) break;
    const int64_t n = ws[i < L ? i : L - 1].rows;
    float* p;
    result.append(out("out", M, n, p, {&xs, &ws}));
    hs.push_back(Matrix{p, M, n, n});
  }
  for (size_t i = 0; i < L; ++i)
    for (const Matrix& h : hs)
      if (bias_ptrs[i] && overlaps_any(bias_ptrs[i], ws[i].rows, {h}))
        throw py::value_error("linear_chain: an output overlaps an input");
  py::gil_scoped_release nogil;
  const auto& k = cpu::kernels();
  Matrix h = xs[0];
  for (size_t i = 0; i < L; ++i) {
    k.sgemm(false, true, M, ws[i].rows, h.cols, 1.0f, h.data, h.ld, ws[i].data, ws[i].ld, 0.0f, hs[i].data,
            hs[i].ld, bias_ptrs[i], relu[i] ? 1 : 0);
    h = hs[i];
  }
  if (log_softmax) k.log_softmax_forward(h.data, hs[L].data, M, h.cols);
  return result;
}

// The backward of linear_chain_forward: acts = [h_0 (x), h_1, ..., h_L], g = dL/d(the chain's output) [M, n_L],
// lsm = the log-softmax output when the chain ended in one (else None). need_x[i]: whether layer i's input gradient
// is wanted (the walk stops below the last layer that needs one); need_w[i], need_b[i]: the parameter gradients.
// Returns (gx, [gw_i], [gb_i]), None where not wanted, in arrays from `Allocator`.
py::tuple linear_chain_backward(const py::array& g, const py::list& act_list, const py::list& weight_list,
                                const py::sequence& relus, const py::object& lsm, const py::sequence& need_x,
                                const py::sequence& need_w, const py::sequence& need_b, const py::object& alloc,
                                int64_t alloc_min_bytes) {
  const py::tuple acts = held(act_list), weights = held(weight_list);
  const size_t L = weights.size();
  if (L == 0 || acts.size() != L + 1)
    throw py::value_error("linear_chain_backward: expected L + 1 activations for L >= 1 weights, got " +
                          std::to_string(acts.size()) + " for " + std::to_string(L));
  std::vector<Matrix> hs;
  for (size_t i = 0; i <= L; ++i) {
    if (!py::isinstance<py::array>(acts[i])) throw py::type_error("linear_chain_backward: activations must be arrays");
    hs.push_back(as_matrix(py::reinterpret_borrow<py::array>(acts[i]), "activation", false));
  }
  const int64_t M = hs[0].rows;
  const std::vector<Matrix> ws = chain_weights(weights, hs[0].cols);
  for (size_t i = 1; i <= L; ++i)
    if (hs[i].rows != M || hs[i].cols != ws[i - 1].rows || hs[i].ld != hs[i].cols)
      throw py::value_error("linear_chain_backward: activation " + std::to_string(i) + " is not a C-contiguous [" +
                            std::to_string(M) + ", " + std::to_string(ws[i - 1].rows) + "] array");
  const std::vector<bool> relu = flags(relus, L, "relu flags"), nx = flags(need_x, L, "need_x flags"),
                          nw = flags(need_w, L, "need_w flags"), nb = flags(need_b, L, "need_b flags");
  const Allocator out{alloc, alloc_min_bytes, "linear_chain"};
  const int64_t n_out = ws[L - 1].rows;
  const float* gp = in_ptr<float>(g, "g", 2);
  if (g.shape(0) != M || g.shape(1) != n_out)
    throw py::value_error("linear_chain_backward: g has shape " + shape_str(g) + " but the chain's output is " +
                          dims(M, n_out));
  const float* lsm_p = optional_like(lsm, "linear_chain_backward: lsm", g);
  // Outputs: gx of layer i (only layer 0's is returned; the others feed layer i - 1), gw_i, gb_i.
  std::vector<Matrix> inputs(hs);
  inputs.insert(inputs.end(), ws.begin(), ws.end());
  inputs.push_back(Matrix{const_cast<float*>(gp), M, n_out, n_out});
  std::vector<float*> gxp(L, nullptr), gwp(L, nullptr), gbp(L, nullptr);
  std::vector<Matrix> made;
  py::list gxs, gws, gbs;  // gxs keeps the intermediate gradients alive until the walk is done
  size_t lowest = L - 1;   // the lowest layer the walk reaches
  while (lowest > 0 && nx[lowest]) --lowest;
  for (size_t i = 0; i < L; ++i) {
    const bool reached = i >= lowest;
    const int64_t k = ws[i].cols, n = ws[i].rows;
    py::object gx = py::none(), gw = py::none(), gb = py::none();
    if (reached && nx[i]) {
      gx = out("gx", M, k, gxp[i], {&inputs, &made});
      made.push_back(Matrix{gxp[i], M, k, k});
    }
    if (reached && nw[i]) {
      gw = out("gw", n, k, gwp[i], {&inputs, &made});
      made.push_back(Matrix{gwp[i], n, k, k});
    }
    if (reached && nb[i]) gb = output(true, py::none(), "gb", n, -1, gbp[i]);
    gxs.append(gx);
    gws.append(gw);
    gbs.append(gb);
  }
  {
    py::gil_scoped_release nogil;
    const auto& k = cpu::kernels();
    std::unique_ptr<float[]> top;  // the log-softmax's input gradient, or a masked copy of the caller's g
    const float* cur = gp;
    bool own = false;  // whether cur is ours to mask in place
    if (lsm_p || relu[L - 1]) top.reset(new float[size_t(M * n_out)]);
    if (lsm_p) {
      k.log_softmax_backward(gp, lsm_p, top.get(), M, n_out);
      cur = top.get();
      own = true;
    }
    for (size_t i = L; i-- > lowest;) {
      float* masked = own ? const_cast<float*>(cur) : top.get();
      layer_backward(k, cur, relu[i] ? hs[i + 1].data : nullptr, masked, M, ws[i].rows, hs[i], ws[i], gxp[i],
                     gwp[i], gbp[i]);
      cur = gxp[i];  // the next layer's g (null past the lowest layer)
      own = true;
    }
  }
  return py::make_tuple(gxs[0], gws, gbs);
}

// alpha * op(a) @ op(b) in a new array from `Allocator` (the binding behind every product that makes its output).
py::object matmul(const py::array& a, const py::array& b, bool trans_a, bool trans_b, float alpha,
                  const py::object& alloc, int64_t alloc_min_bytes) {
  const Product p = product(a, b, trans_a, trans_b, "matmul");
  const std::vector<Matrix> ins{p.A, p.B};
  float* c;
  py::object out = Allocator{alloc, alloc_min_bytes, "matmul"}("out", p.M, p.N, c, {&ins});
  py::gil_scoped_release nogil;
  cpu::kernels().sgemm(p.ta, p.tb, p.M, p.N, p.K, alpha, p.A.data, p.A.ld, p.B.data, p.B.ld, 0.0f, c, p.N, nullptr, 0);
  return out;
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
        "with contiguous rows (C-contiguous, or a row/column slice of one; a and b may also be transposed views of\n"
        "such); op = transpose when its flag is set.\n"
        "beta == 0 never reads c. c must not overlap a or b.");
  m.def("matmul", &matmul, py::arg("a"), py::arg("b"), py::arg("trans_a") = false, py::arg("trans_b") = false,
        py::arg("alpha") = 1.0f, py::arg("alloc") = py::none(), py::arg("alloc_min_bytes") = -1,
        "alpha * op(a) @ op(b) in a new C-contiguous array, float32 2-D operands as sgemm takes them or transposed\n"
        "views of such (contiguous columns: passed as their transposes). Outputs of alloc_min_bytes or more come\n"
        "from alloc(shape) (alloc_min_bytes < 0: none do).");
  m.def("linear_chain_forward", &linear_chain_forward, py::arg("x"), py::arg("weights"), py::arg("biases"),
        py::arg("relus"), py::arg("log_softmax"), py::arg("alloc"), py::arg("alloc_min_bytes"),
        "Forward of a chain of Linear layers: h_{i+1} = [relu](h_i @ w_i^T + b_i) from h_0 = x, then log_softmax\n"
        "of h_L when asked; returns [h_1, ..., h_L] (+ the log-softmax). Outputs of alloc_min_bytes or more come\n"
        "from alloc(shape) (alloc_min_bytes < 0: none do).");
  m.def("linear_chain_backward", &linear_chain_backward, py::arg("g"), py::arg("acts"), py::arg("weights"),
        py::arg("relus"), py::arg("lsm"), py::arg("need_x"), py::arg("need_w"), py::arg("need_b"),
        py::arg("alloc"), py::arg("alloc_min_bytes"),
        "Backward of linear_chain_forward given acts = [x, h_1, ..., h_L]: (gx, [gw_i], [gb_i]), None where not\n"
        "wanted; the walk stops below the lowest layer whose input gradient is wanted. Outputs as in the forward.");
  m.def("bias_grad", &bias_grad, py::arg("g"), py::arg("out"), py::arg("beta") = 0.0f,
        "out = g.sum(axis=0) (+ beta * out; beta == 0 never reads out), g float32 C-contiguous [M, N], out [N].");
  m.def("fma_peak", &fma_peak, py::arg("threads") = 1, py::arg("seconds") = 0.05, py::arg("repeats") = 3,
        "Measured FMA throughput in GFLOP/s on `threads` threads at the vector width of the ISA in use.");
}

}  // namespace fastnn
