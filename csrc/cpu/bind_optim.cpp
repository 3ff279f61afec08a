// Multi-tensor optimizer bindings (csrc/cpu/kernels/optim.cpp): one call per step for a whole parameter group.
// Each takes Python lists of float32 C-contiguous arrays (params and states writable; entry i of every list has
// params[i]'s shape), validates all of them, turns the Python-float hyper-parameters into the float32 scalars
// torch's ops would use, then releases the GIL for the update.
#include <cmath>
#include <string>
#include <vector>

#include "common.h"
#include "cpu/kernels.h"

namespace fastnn {

namespace {

// Validated pointers of one step, holding references to the arrays while the GIL is released.
struct Group {
  std::vector<cpu::OptimTensor> t;
  std::vector<py::array> keep;
};

// True when `a` is a C-contiguous float32 array (writable when asked) of p's shape: the usual case, checked
// without building the names that the error messages below need.
bool plain(const py::handle& o, const py::array& p, bool writable) {
  if (!py::isinstance<py::array>(o)) return false;
  const py::array a = py::reinterpret_borrow<py::array>(o);
  if (!a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style)) return false;
  if (writable && !a.writeable()) return false;
  if (a.ndim() != p.ndim()) return false;
  for (py::ssize_t d = 0; d < a.ndim(); ++d)
    if (a.shape(d) != p.shape(d)) return false;
  return true;
}

// Entry i of list `name`, checked: a C-contiguous float32 array (writable for params and states) of the shape of
// `like` (when given). Raises TypeError / ValueError naming the entry; never converts (a converted copy would
// take the update and be lost).
py::array entry(const py::list& l, size_t i, const char* name, bool writable, const py::array* like) {
  py::handle o = l[i];
  const bool fine = like ? plain(o, *like, writable)
                         : py::isinstance<py::array>(o) && plain(o, py::reinterpret_borrow<py::array>(o), writable);
  if (fine) return py::reinterpret_borrow<py::array>(o);
  const std::string n = std::string(name) + "[" + std::to_string(i) + "]";
  if (!py::isinstance<py::array>(o))
    throw py::type_error(n + ": expected a float32 array, got " + std::string(py::str(py::type::handle_of(o).attr("__name__"))));
  py::array a = py::reinterpret_borrow<py::array>(o);
  check_array<float>(a, n.c_str(), -1, writable);
  if (like) check_same_shape(a, n.c_str(), *like, ("params[" + std::to_string(i) + "]").c_str());
  return a;
}

// params/grads: lists; states: up to three lists (or None where the optimizer's options leave them unused).
Group collect(const py::list& params, const py::list& grads, const py::object* states[3], const char* names[3]) {
  const size_t n = params.size();
  if (grads.size() != n)
    throw py::value_error("grads has " + std::to_string(grads.size()) + " entries but params has " +
                          std::to_string(n));
  for (int s = 0; s < 3; ++s) {
    if (states[s]->is_none()) continue;
    if (!py::isinstance<py::list>(*states[s]))
      throw py::type_error(std::string(names[s]) + ": expected a list of float32 arrays");
    const size_t m = py::reinterpret_borrow<py::list>(*states[s]).size();
    if (m != n)
      throw py::value_error(std::string(names[s]) + " has " + std::to_string(m) + " entries but params has " +
                            std::to_string(n));
  }
  Group g;
  g.t.reserve(n);
  g.keep.reserve(5 * n);
  for (size_t i = 0; i < n; ++i) {
    py::array p = entry(params, i, "params", true, nullptr);
    py::array gr = entry(grads, i, "grads", false, &p);
    cpu::OptimTensor e{};
    e.param = static_cast<float*>(p.mutable_data());
    e.grad = static_cast<const float*>(gr.data());
    float* st[3] = {nullptr, nullptr, nullptr};
    for (int s = 0; s < 3; ++s) {
      if (states[s]->is_none()) continue;
      py::array a = entry(py::reinterpret_borrow<py::list>(*states[s]), i, names[s], true, &p);
      st[s] = static_cast<float*>(a.mutable_data());
      g.keep.push_back(std::move(a));
    }
    e.s0 = st[0];
    e.s1 = st[1];
    e.s2 = st[2];
    e.n = p.size();
    g.keep.push_back(std::move(p));
    g.keep.push_back(std::move(gr));
    g.t.push_back(e);
  }
  return g;
}

void require(bool ok, const char* what) {
  if (!ok) throw py::value_error(what);
}

// collect() for the optimizers whose two state lists are both required (fn names the binding in the error).
Group collect_two(const char* fn, const py::list& params, const py::list& grads, const py::object& s0,
                  const char* n0, const py::object& s1, const char* n1) {
  require(!s0.is_none() && !s1.is_none(), (std::string(fn) + ": " + n0 + " and " + n1 + " are required").c_str());
  const py::none none;
  const py::object* st[3] = {&s0, &s1, &none};
  const char* nm[3] = {n0, n1, ""};
  return collect(params, grads, st, nm);
}

}  // namespace

void bind_optim(py::module_& m) {
  m.def("sgd_step", [](const py::list& params, const py::list& grads, const py::object& bufs, double lr,
                           double momentum, double dampening, bool nesterov, double weight_decay, bool maximize,
                           bool first_step) {
    const py::none none;
    const py::object* st[3] = {momentum != 0 ? &bufs : &none, &none, &none};
    const char* nm[3] = {"momentum_bufs", "", ""};
    require(momentum == 0 || !bufs.is_none(), "sgd_step: momentum != 0 needs momentum buffers");
    Group g = collect(params, grads, st, nm);
    cpu::SgdHyper h{float(-lr), float(momentum), float(1 - dampening), float(weight_decay), nesterov, maximize,
                    first_step};
    py::gil_scoped_release nogil;
    cpu::kernels().sgd_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("bufs"), py::arg("lr"), py::arg("momentum"),
     py::arg("dampening"), py::arg("nesterov"), py::arg("weight_decay"), py::arg("maximize"),
     py::arg("first_step"), "One torch.optim.SGD step over a parameter group, in place.");

  m.def("adam_step", [](const py::list& params, const py::list& grads, const py::object& exp_avgs,
                            const py::object& exp_avg_sqs, const py::object& max_exp_avg_sqs, double step, double lr,
                            double beta1, double beta2, double eps, double weight_decay, bool amsgrad,
                            bool maximize, bool decoupled_weight_decay) {
    const py::none none;
    require(!exp_avgs.is_none() && !exp_avg_sqs.is_none(), "adam_step: exp_avgs and exp_avg_sqs are required");
    require(!amsgrad || !max_exp_avg_sqs.is_none(), "adam_step: amsgrad needs max_exp_avg_sqs");
    require(step >= 1, "adam_step: step counts from 1");
    const py::object* st[3] = {&exp_avgs, &exp_avg_sqs, amsgrad ? &max_exp_avg_sqs : &none};
    const char* nm[3] = {"exp_avgs", "exp_avg_sqs", "max_exp_avg_sqs"};
    Group g = collect(params, grads, st, nm);
    const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
    cpu::AdamHyper h{float(beta1), float(1 - beta1), float(beta2), float(1 - beta2), float(weight_decay),
                     float(1 - lr * weight_decay), float(eps), float(std::pow(bc2, 0.5)), float(-(lr / bc1)),
                     amsgrad, maximize, decoupled_weight_decay};
    py::gil_scoped_release nogil;
    cpu::kernels().adam_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
     py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
     py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"),
     "One torch.optim.Adam (or AdamW: decoupled_weight_decay) step over a parameter group; step counts from 1.");

  m.def("adagrad_step", [](const py::list& params, const py::list& grads, const py::object& state_sums,
                               double step, double lr, double lr_decay, double weight_decay, double eps,
                               bool maximize) {
    const py::none none;
    require(!state_sums.is_none(), "adagrad_step: state_sums are required");
    require(step >= 1, "adagrad_step: step counts from 1");
    const py::object* st[3] = {&state_sums, &none, &none};
    const char* nm[3] = {"state_sums", "", ""};
    Group g = collect(params, grads, st, nm);
    const double clr = lr / (1 + (step - 1) * lr_decay);
    cpu::AdagradHyper h{float(-clr), float(weight_decay), float(eps), maximize};
    py::gil_scoped_release nogil;
    cpu::kernels().adagrad_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("step"), py::arg("lr"),
     py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"),
     "One torch.optim.Adagrad step over a parameter group; step counts from 1.");

  m.def("rmsprop_step", [](const py::list& params, const py::list& grads, const py::object& square_avgs,
                               const py::object& momentum_bufs, const py::object& grad_avgs, double lr, double alpha,
                               double eps, double weight_decay, double momentum, bool centered, bool maximize) {
    const py::none none;
    require(!square_avgs.is_none(), "rmsprop_step: square_avgs are required");
    require(momentum <= 0 || !momentum_bufs.is_none(), "rmsprop_step: momentum > 0 needs momentum_bufs");
    require(!centered || !grad_avgs.is_none(), "rmsprop_step: centered needs grad_avgs");
    const py::object* st[3] = {&square_avgs, momentum > 0 ? &momentum_bufs : &none, centered ? &grad_avgs : &none};
    const char* nm[3] = {"square_avgs", "momentum_bufs", "grad_avgs"};
    Group g = collect(params, grads, st, nm);
    cpu::RmspropHyper h{float(-lr), float(alpha), float(1 - alpha), float(eps), float(weight_decay),
                        float(momentum), centered, maximize};
    py::gil_scoped_release nogil;
    cpu::kernels().rmsprop_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("momentum_bufs"), py::arg("grad_avgs"),
     py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
     py::arg("centered"), py::arg("maximize"), "One torch.optim.RMSprop step over a parameter group.");

  m.def("adadelta_step", [](const py::list& params, const py::list& grads, const py::object& square_avgs,
                                const py::object& acc_deltas, double lr, double rho, double eps, double weight_decay,
                                bool maximize) {
    Group g = collect_two("adadelta_step", params, grads, square_avgs, "square_avgs", acc_deltas, "acc_deltas");
    cpu::AdadeltaHyper h{float(-lr), float(rho), float(1 - rho), float(eps), float(weight_decay), maximize};
    py::gil_scoped_release nogil;
    cpu::kernels().adadelta_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("lr"),
     py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
     "One torch.optim.Adadelta step over a parameter group.");

  m.def("nadam_step", [](const py::list& params, const py::list& grads, const py::object& exp_avgs,
                             const py::object& exp_avg_sqs, double mu_product, double step, double lr, double beta1,
                             double beta2, double eps, double weight_decay, double momentum_decay, bool maximize,
                             bool decoupled_weight_decay) {
    require(step >= 1, "nadam_step: step counts from 1");
    Group g = collect_two("nadam_step", params, grads, exp_avgs, "exp_avgs", exp_avg_sqs, "exp_avg_sqs");
    // torch: mu and mu_next in double; the float32 state tensor mu_product *= mu; the addcdiv values in double
    const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, step * momentum_decay));
    const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (step + 1) * momentum_decay));
    const float mp = float(mu_product) * float(mu);
    const double mp_next = double(mp) * mu_next;
    cpu::NadamHyper h{float(1 - beta1), float(beta2), float(1 - beta2), float(weight_decay),
                      float(1 - lr * weight_decay), float(1 - std::pow(beta2, step)), float(eps),
                      float(-lr * (1.0 - mu) / (1.0 - double(mp))), float(-lr * mu_next / (1.0 - mp_next)),
                      maximize, decoupled_weight_decay};
    {
      py::gil_scoped_release nogil;
      cpu::kernels().nadam_step(g.t.data(), int64_t(g.t.size()), &h);
    }
    return double(mp);
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("mu_product"),
     py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
     py::arg("momentum_decay"), py::arg("maximize"), py::arg("decoupled_weight_decay"),
     "One torch.optim.NAdam step over a parameter group; step counts from 1. mu_product: the group's state before "
     "this step; returns it after (a float32 value).");

  m.def("radam_step", [](const py::list& params, const py::list& grads, const py::object& exp_avgs,
                             const py::object& exp_avg_sqs, double step, double lr, double beta1, double beta2,
                             double eps, double weight_decay, bool maximize, bool decoupled_weight_decay) {
    require(step >= 1, "radam_step: step counts from 1");
    Group g = collect_two("radam_step", params, grads, exp_avgs, "exp_avgs", exp_avg_sqs, "exp_avg_sqs");
    // torch's Python-float arithmetic: the SMA length rho_t decides whether the variance is rectified
    const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bc2;
    const bool rectified = rho_t > 5.0;
    const double rect =
        rectified ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5) : 0;
    cpu::RadamHyper h{float(1 - beta1), float(beta2), float(1 - beta2), float(weight_decay),
                      float(1 - lr * weight_decay), float(bc1), float(lr), float(std::pow(bc2, 0.5)), float(eps),
                      float(rect), rectified, maximize, decoupled_weight_decay};
    py::gil_scoped_release nogil;
    cpu::kernels().radam_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("step"),
     py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
     py::arg("decoupled_weight_decay"), "One torch.optim.RAdam step over a parameter group; step counts from 1.");

  m.def("adamax_step", [](const py::list& params, const py::list& grads, const py::object& exp_avgs,
                              const py::object& exp_infs, double step, double lr, double beta1, double beta2,
                              double eps, double weight_decay, bool maximize) {
    require(step >= 1, "adamax_step: step counts from 1");
    Group g = collect_two("adamax_step", params, grads, exp_avgs, "exp_avgs", exp_infs, "exp_infs");
    cpu::AdamaxHyper h{float(1 - beta1), float(beta2), float(eps), float(weight_decay),
                       float(-(lr / (1 - std::pow(beta1, step)))), maximize};
    py::gil_scoped_release nogil;
    cpu::kernels().adamax_step(g.t.data(), int64_t(g.t.size()), &h);
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_infs"), py::arg("step"), py::arg("lr"),
     py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"),
     "One torch.optim.Adamax step over a parameter group; step counts from 1.");
}

}  // namespace fastnn
