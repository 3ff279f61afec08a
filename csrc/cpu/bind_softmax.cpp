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

void bind_softmax(py::module_& m) {
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
