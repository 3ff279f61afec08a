// Bindings of the row-wise softmax family (csrc/cpu/kernels/softmax.cpp): float32 C-contiguous [rows, cols]
// arrays over the last axis; outputs may be the inputs.
#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

using RowFn = void (*)(const float*, float*, int64_t, int64_t);
using RowBackFn = void (*)(const float*, const float*, float*, int64_t, int64_t);

static void def_forward(py::module_& m, const char* name, RowFn cpu::KernelTable::*k, const char* doc) {
  m.def(name, [k](const py::array& x, py::array& y) {
    const float* xp = in_ptr<float>(x, "x", 2);
    float* yp = out_ptr<float>(y, "y", 2);
    check_same_shape(x, "x", y, "y");
    const int64_t rows = x.shape(0), cols = x.shape(1);
    py::gil_scoped_release nogil;
    (cpu::kernels().*k)(xp, yp, rows, cols);
  }, py::arg("x"), py::arg("y"), doc);
}

static void def_backward(py::module_& m, const char* name, RowBackFn cpu::KernelTable::*k, const char* doc) {
  m.def(name, [k](const py::array& grad_y, const py::array& y, py::array& grad_x) {
    const float* gp = in_ptr<float>(grad_y, "grad_y", 2);
    const float* yp = in_ptr<float>(y, "y", 2);
    float* gxp = out_ptr<float>(grad_x, "grad_x", 2);
    check_same_shape(grad_y, "grad_y", y, "y");
    check_same_shape(grad_y, "grad_y", grad_x, "grad_x");
    const int64_t rows = y.shape(0), cols = y.shape(1);
    py::gil_scoped_release nogil;
    (cpu::kernels().*k)(gp, yp, gxp, rows, cols);
  }, py::arg("grad_y"), py::arg("y"), py::arg("grad_x"), doc);
}

// Checks NLL targets against the class count (IndexError naming the first bad one) and an optional weight.
static const float* nll_checks(const py::array& targets, int64_t n, int64_t c, int64_t ignore_index,
                               const py::object& weight, const int64_t** tp) {
  *tp = in_ptr<int64_t>(targets, "targets", 1);
  if (targets.shape(0) != n)
    throw py::value_error("nll: targets has shape " + shape_str(targets) + " for " + std::to_string(n) + " rows");
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = (*tp)[i];
    if (k != ignore_index && (k < 0 || k >= c)) throw py::index_error("Target " + std::to_string(k) + " is out of bounds.");
  }
  if (weight.is_none()) return nullptr;
  const py::array w = weight.cast<py::array>();
  const float* wp = in_ptr<float>(w, "weight", 1);
  if (w.shape(0) != c) throw py::value_error("nll: weight has shape " + shape_str(w) + " for " + std::to_string(c) + " classes");
  return wp;
}

void bind_softmax(py::module_& m) {
  m.def("nll_forward", [](const py::array& x, const py::array& targets, const py::object& weight,
                          int64_t ignore_index, py::array& losses) {
    const float* xp = in_ptr<float>(x, "x", 2);
    float* lp = out_ptr<float>(losses, "losses", 1);
    const int64_t n = x.shape(0), c = x.shape(1);
    if (losses.shape(0) != n) throw py::value_error("nll_forward: losses has shape " + shape_str(losses) + " for x of shape " + shape_str(x));
    const int64_t* tp;
    const float* wp = nll_checks(targets, n, c, ignore_index, weight, &tp);
    double total = 0.0;
    const double wsum = cpu::kernels().nll_forward(xp, tp, wp, n, c, ignore_index, lp, &total);
    return py::make_tuple(total, wsum);
  }, py::arg("x"), py::arg("targets"), py::arg("weight"), py::arg("ignore_index"), py::arg("losses"),
     "losses[i] = -w[t_i] x[i, t_i] (0 if ignored); returns (sum of losses, sum of weights used).");
  m.def("nll_backward", [](const py::array& targets, const py::object& weight, int64_t ignore_index,
                           const py::array& scale, py::array& grad_x) {
    float* gp = out_ptr<float>(grad_x, "grad_x", 2);
    const float* sp = in_ptr<float>(scale, "scale", 1);
    const int64_t n = grad_x.shape(0), c = grad_x.shape(1);
    const int per_row = scale.shape(0) == n && n != 1;
    if (!per_row && scale.shape(0) != 1) throw py::value_error("nll_backward: scale has shape " + shape_str(scale));
    const int64_t* tp;
    const float* wp = nll_checks(targets, n, c, ignore_index, weight, &tp);
    cpu::kernels().nll_backward(tp, wp, n, c, ignore_index, sp, per_row, gp);
  }, py::arg("targets"), py::arg("weight"), py::arg("ignore_index"), py::arg("scale"), py::arg("grad_x"),
     "grad_x = 0 except grad_x[i, t_i] = -w[t_i] * scale (scale: 1 value or one per row).");
  def_forward(m, "softmax_forward", &cpu::KernelTable::softmax_forward, "y = softmax(x) over the last axis.");
  def_forward(m, "log_softmax_forward", &cpu::KernelTable::log_softmax_forward,
              "y = log_softmax(x) over the last axis.");
  def_backward(m, "softmax_backward", &cpu::KernelTable::softmax_backward,
               "grad_x = y * (grad_y - sum(grad_y * y, row)), y the forward output.");
  def_backward(m, "log_softmax_backward", &cpu::KernelTable::log_softmax_backward,
               "grad_x = grad_y - exp(y) * sum(grad_y, row), y the forward output.");
  m.def("cross_entropy", [](const py::array& logits, const py::array& targets, py::array& loss,
                            py::array& dlogits, float scale) {
    const float* xp = in_ptr<float>(logits, "logits", 2);
    const int64_t* tp = in_ptr<int64_t>(targets, "targets", 1);
    float* lp = out_ptr<float>(loss, "loss", 1);
    float* dp = out_ptr<float>(dlogits, "dlogits", 2);
    check_same_shape(logits, "logits", dlogits, "dlogits");
    const int64_t rows = logits.shape(0), cols = logits.shape(1);
    if (targets.shape(0) != rows)
      throw py::value_error("cross_entropy: targets has shape " + shape_str(targets) + " for logits of shape " +
                            shape_str(logits));
    if (loss.shape(0) != rows)
      throw py::value_error("cross_entropy: loss has shape " + shape_str(loss) + " for logits of shape " +
                            shape_str(logits));
    for (int64_t r = 0; r < rows; ++r)
      if (tp[r] < 0 || tp[r] >= cols)
        throw py::index_error("Target " + std::to_string(tp[r]) + " is out of bounds for " + std::to_string(cols) +
                              " classes.");
    py::gil_scoped_release nogil;
    cpu::kernels().cross_entropy_forward_backward(xp, tp, lp, dp, rows, cols, scale);
  }, py::arg("logits"), py::arg("targets"), py::arg("loss"), py::arg("dlogits"), py::arg("scale") = 1.0f,
     "loss[r] = -log softmax(logits)[r, t_r]; dlogits = scale * (softmax(logits) - onehot(targets)).");
}

}  // namespace fastnn
