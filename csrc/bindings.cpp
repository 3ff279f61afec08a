// fastnn._C: the extension module. Each kernel family binds itself (csrc/cpu/bind_*.cpp, csrc/cuda/...).
#include "common.h"
#include "cpu/dispatch.h"

namespace fastnn {
void bind_elementwise(py::module_& m);
void bind_data(py::module_& m);
void bind_softmax(py::module_& m);
void bind_optim(py::module_& m);
void bind_gemm(py::module_& m);
void bind_tensor(py::module_& m);
void bind_cuda(py::module_& m);
}  // namespace fastnn

PYBIND11_MODULE(_C, m) {
  namespace py = pybind11;
  using namespace fastnn;
  m.doc() = "fastnn's C++ kernels";
  m.attr("compiler") = FASTNN_COMPILER;
  m.attr("built_isas") = FASTNN_BUILT_ISAS;
  m.def("best_isa", &cpu::best_isa, "Best ISA this CPU and OS support.");
  m.def("current_isa", &cpu::current_isa, "ISA whose kernels are in use.");
  m.def("isa_supported", &cpu::isa_supported, py::arg("name"));
  m.def("set_isa", &cpu::set_isa, py::arg("name"), "Use the kernels of ISA `name` (generic, avx2, avx512).");
  m.def("get_num_threads", &cpu::num_threads);
  m.def("set_num_threads", &cpu::set_num_threads, py::arg("n"));
  m.def("openmp_enabled", &cpu::openmp_enabled);
  // The default thread count (OMP_NUM_THREADS, else the cores) is read now: read at the first kernel call, it
  // would take whatever another OpenMP user in the process (torch.set_num_threads) had set by then.
  cpu::num_threads();
  bind_elementwise(m);
  bind_data(m);
  bind_softmax(m);
  bind_optim(m);
  bind_gemm(m);
  bind_tensor(m);
  bind_cuda(m);
}
