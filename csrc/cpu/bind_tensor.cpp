// `a @ b`, matmul, mm and t on fastnn Tensors (functions and methods), in C where autograd records nothing.
//
// Through Python these cost ~2 us over the GEMM (a view object, an operator dispatch, the checks of matmul and mm,
// a result object), where numpy's operators cost ~0.4 us over theirs: for the small products of an MLP (64x64 @
// 64x10) that is most of the time. Here the same work reads the Tensor's slots directly. The fast paths take
// float32 matrices (for t, any 2-D array) of plain tensors and grad-mode views whose autograd fields are current,
// when no operand needs a graph node and the call has no keywords; everything else calls the Python function given
// at install time (python/fastnn/_fast_paths.py), which also raises the errors. The results are what the Python
// path makes: a new Tensor (for t, a view sharing its source's version counter and base), bit for bit the same
// values (the same kernel call).
#include "common.h"  // Python.h first

#include <structmember.h>

#include "cpu/kernels.h"
#include "cpu/matrix.h"

#include <vector>

namespace fastnn {
namespace {

// What the fast paths read, set once by install().
struct TensorClasses {
  PyTypeObject* tensor = nullptr;  // fastnn.Tensor
  PyTypeObject* view = nullptr;    // tensor._View: a view made in grad mode, whose autograd fields can go stale
  PyObject* grad_state = nullptr;  // autograd.grad_mode.state; its `enabled` is grad mode
  PyObject* float32 = nullptr;     // numpy's float32 dtype (check_float32 takes exactly this one too)
  PyObject* enabled_name = nullptr;
  PyObject* T_name = nullptr;
  int64_t pool_min_bytes = -1;     // products this large take the Python path, whose outputs come from the pool
  // Byte offsets of Tensor's __slots__ in an instance.
  Py_ssize_t data, requires_grad, grad, grad_fn, output_nr, version, base, vbase, vver;
} C;

PyObject*& slot(PyObject* t, Py_ssize_t offset) {
  return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(t) + offset);
}

// 1 / 0 for a Tensor or an up-to-date grad-mode view; -1 for anything the fast paths leave to Python (other
// classes, a view whose storage changed in place since its autograd fields were synced: reading them syncs).
int requires_grad(PyObject* t) {
  PyTypeObject* type = Py_TYPE(t);
  if (type == C.view) {
    PyObject *vver = slot(t, C.vver), *version = slot(t, C.version);
    if (!vver || !version || !PyList_CheckExact(version) || PyList_GET_SIZE(version) != 1) return -1;
    const int current = PyObject_RichCompareBool(vver, PyList_GET_ITEM(version, 0), Py_EQ);
    if (current != 1) {
      if (current < 0) PyErr_Clear();
      return -1;
    }
  } else if (type != C.tensor) {
    return -1;
  }
  PyObject* rg = slot(t, C.requires_grad);
  return rg == Py_True ? 1 : rg == Py_False ? 0 : -1;
}

// 1 / 0: grad mode; -1 (error cleared) when it cannot be read.
int grad_enabled() {
  PyObject* e = PyObject_GetAttr(C.grad_state, C.enabled_name);
  const int on = e ? PyObject_IsTrue(e) : -1;
  Py_XDECREF(e);
  if (on < 0) PyErr_Clear();
  return on;
}

// The tensor's storage when it is a 2-D ndarray (of float32 when asked), else nullptr.
PyObject* matrix_data(PyObject* t, bool float32) {
  PyObject* d = slot(t, C.data);
  if (!d || Py_TYPE(d) != py::detail::npy_api::get().PyArray_Type_) return nullptr;
  const auto* a = py::detail::array_proxy(d);
  return a->nd == 2 && (!float32 || a->descr == C.float32) ? d : nullptr;
}

// A GEMM operand from a float32 matrix's storage: its matrix, flipped when it is a transposed view of one.
bool operand(PyObject* d, Matrix& m, bool& flipped) {
  const auto* a = py::detail::array_proxy(d);
  const int64_t rows = a->dimensions[0], cols = a->dimensions[1], s0 = a->strides[0], s1 = a->strides[1];
  flipped = columns_layout(a->data, rows, cols, s0, s1, m);
  return flipped || rows_layout(a->data, rows, cols, s0, s1, m);
}

// A new tensor of `type` holding `data` (stolen) with no autograd history, its version counter and base given
// (stolen): what Tensor._make sets, with the view fields of ops.shape._mark_view.
PyObject* new_tensor(PyTypeObject* type, PyObject* data, PyObject* version, PyObject* base) {
  PyObject* t = version ? type->tp_alloc(type, 0) : nullptr;
  if (!t) {
    Py_DECREF(data);
    Py_XDECREF(version);
    Py_DECREF(base);
    return nullptr;
  }
  slot(t, C.data) = data;
  slot(t, C.requires_grad) = Py_NewRef(Py_False);
  slot(t, C.grad) = Py_NewRef(Py_None);
  slot(t, C.grad_fn) = Py_NewRef(Py_None);
  slot(t, C.output_nr) = PyLong_FromLong(0);
  slot(t, C.version) = version;
  slot(t, C.base) = base;
  return t;
}

// A new version counter, [0].
PyObject* new_version() {
  PyObject* v = PyList_New(1);
  if (v) PyList_SET_ITEM(v, 0, PyLong_FromLong(0));
  return v;
}

// The product a @ b when the fast path takes it (`taken`), else nullptr with `taken` false and no error set: when
// a or b needs a node, is not a float32 matrix of a plain tensor or a current view, when the inner sizes differ
// (Python raises), or when the output is large enough to come from the buffer pool.
PyObject* fast_product(PyObject* a, PyObject* b, bool& taken) {
  taken = false;
  const int ra = requires_grad(a), rb = ra < 0 ? -1 : requires_grad(b);
  if (rb < 0 || ((ra || rb) && grad_enabled() != 0)) return nullptr;
  PyObject* da = matrix_data(a, true);
  PyObject* db = da ? matrix_data(b, true) : nullptr;
  Matrix A, B;
  bool ta, tb;
  if (!db || !operand(da, A, ta) || !operand(db, B, tb)) return nullptr;
  int64_t K2;
  const Product p = make_product(A, ta, B, tb, K2);
  if (p.K != K2 || (C.pool_min_bytes >= 0 && p.M * p.N * int64_t(sizeof(float)) >= C.pool_min_bytes))
    return nullptr;
  taken = true;
  PyObject* out;
  float* c;
  try {
    py::array_t<float> o({p.M, p.N});
    c = o.mutable_data();
    out = o.release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
    return nullptr;
  } catch (const std::bad_alloc&) {
    return PyErr_NoMemory();
  }
  {
    const py::object hold_a = py::reinterpret_borrow<py::object>(da), hold_b = py::reinterpret_borrow<py::object>(db);
    py::gil_scoped_release nogil;
    cpu::kernels().sgemm(p.ta, p.tb, p.M, p.N, p.K, 1.0f, A.data, A.ld, B.data, B.ld, 0.0f, c, p.N, nullptr, 0);
  }
  return new_tensor(C.tensor, out, new_version(), Py_NewRef(Py_None));
}

// x.t() when the fast path takes it: the transposed view of a matrix that needs no node (it does not require grad,
// or grad mode is off), sharing x's version counter and base; a grad-mode view is of the view class, as Python's
// ops.shape._mark_view makes it.
PyObject* fast_t(PyObject* x, bool& taken) {
  taken = false;
  const int rg = requires_grad(x);
  const int grad = rg < 0 ? -1 : grad_enabled();
  PyObject* d = grad < 0 || (rg && grad) ? nullptr : matrix_data(x, false);
  PyObject *version = d ? slot(x, C.version) : nullptr, *base = d ? slot(x, C.base) : nullptr;
  if (!version || !base || !PyList_CheckExact(version) || PyList_GET_SIZE(version) != 1) return nullptr;
  taken = true;
  if (base == Py_None) base = x;
  PyObject* transposed = PyObject_GetAttr(d, C.T_name);
  if (!transposed) return nullptr;
  PyObject* t = new_tensor(grad ? C.view : C.tensor, transposed, Py_NewRef(version), Py_NewRef(base));
  if (t && grad) {
    slot(t, C.vbase) = Py_NewRef(base);
    slot(t, C.vver) = Py_NewRef(PyList_GET_ITEM(version, 0));
  }
  return t;
}

enum Op { kMatmul, kMm, kT, kOps };
PyObject* fallbacks[kOps];  // the Python implementations: ops.matmul, ops.mm, ops.t

// op(first, *rest) through its fast path when that takes the call (positional arguments only); `taken` false
// otherwise.
PyObject* attempt(Op op, PyObject* first, PyObject* const* rest, Py_ssize_t nrest, PyObject* kwnames, bool& taken) {
  taken = false;
  if (kwnames && PyTuple_GET_SIZE(kwnames) != 0) return nullptr;
  if (op == kT) return nrest == 0 ? fast_t(first, taken) : nullptr;
  return nrest == 1 ? fast_product(first, rest[0], taken) : nullptr;
}

// fastnn.matmul / mm / t (a builtin function).
template <Op op>
PyObject* function(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  bool taken = false;
  PyObject* r = nargs > 0 ? attempt(op, args[0], args + 1, nargs - 1, kwnames, taken) : nullptr;
  return taken ? r : PyObject_Vectorcall(fallbacks[op], args, nargs, kwnames);
}

// Tensor.matmul (and __matmul__) / mm / t (a method descriptor): self is the first argument.
template <Op op>
PyObject* method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  bool taken;
  PyObject* r = attempt(op, self, args, nargs, kwnames, taken);
  if (taken) return r;
  std::vector<PyObject*> all{self};
  all.insert(all.end(), args, args + nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0));
  return PyObject_Vectorcall(fallbacks[op], all.data(), nargs + 1, kwnames);
}

template <Op op>
PyMethodDef def(const char* name, bool is_method, const char* doc) {
  auto f = is_method ? method<op> : function<op>;
  return PyMethodDef{name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f)),
                     METH_FASTCALL | METH_KEYWORDS, doc};
}

// Static storage: descriptors and functions keep pointers to their PyMethodDef. The docstrings start with the
// signatures that inspect reads.
PyMethodDef defs[2 * kOps] = {
    def<kMatmul>("matmul", true, "matmul($self, other)\n--\n\nMatrix product, as torch.Tensor.matmul."),
    def<kMm>("mm", true, "mm($self, mat2)\n--\n\nProduct of two matrices, as torch.Tensor.mm."),
    def<kT>("t", true, "t($self)\n--\n\nTranspose of a tensor of <= 2 dimensions (a view), as torch.Tensor.t."),
    def<kMatmul>("matmul", false,
                 "matmul(input, other, *, out=None)\n--\n\n"
                 "Matrix product with torch.matmul's semantics (fastnn.ops.linalg.matmul)."),
    def<kMm>("mm", false, "mm(input, mat2, *, out=None)\n--\n\nProduct of two matrices, as torch.mm."),
    def<kT>("t", false, "t(input)\n--\n\nTranspose of a tensor of <= 2 dimensions (a view), as torch.t.")};

// The offset of one of Tensor's __slots__, from its member descriptor in the class.
Py_ssize_t slot_offset(const py::dict& slots, const char* name) {
  PyObject* d = py::object(slots[name]).ptr();
  if (!Py_IS_TYPE(d, &PyMemberDescr_Type))
    throw py::type_error(std::string("tensor_fast_paths: slot '") + name + "' is not a member descriptor");
  const PyMemberDef* member = reinterpret_cast<PyMemberDescrObject*>(d)->d_member;
  if (member->type != T_OBJECT_EX || (member->flags & READONLY))
    throw py::type_error(std::string("tensor_fast_paths: slot '") + name + "' is not a writable object slot");
  return member->offset;
}

// Reads the classes, grad-mode state and slot offsets; returns the method descriptors for Tensor.matmul, mm and
// t, and the functions fastnn.matmul, mm and t. Called once, by fastnn._fast_paths.
py::tuple install(const py::type& tensor, const py::type& view, const py::object& grad_state, const py::dict& slots,
                  int64_t pool_min_bytes, const py::object& matmul, const py::object& mm, const py::object& t) {
  const py::str module("fastnn");
  PyTypeObject* tt = reinterpret_cast<PyTypeObject*>(tensor.ptr());
  PyTypeObject* vt = reinterpret_cast<PyTypeObject*>(view.ptr());
  if (!PyType_IsSubtype(vt, tt) || vt->tp_basicsize != tt->tp_basicsize)
    throw py::type_error("tensor_fast_paths: the view class must be a Tensor subclass without slots of its own");
  if (C.tensor) throw py::type_error("tensor_fast_paths: already installed");
  C.data = slot_offset(slots, "_data");
  C.requires_grad = slot_offset(slots, "requires_grad");
  C.grad = slot_offset(slots, "_grad");
  C.grad_fn = slot_offset(slots, "grad_fn");
  C.output_nr = slot_offset(slots, "_output_nr");
  C.version = slot_offset(slots, "_version");
  C.base = slot_offset(slots, "_base");
  C.vbase = slot_offset(slots, "_vbase");
  C.vver = slot_offset(slots, "_vver");
  // Held for the life of the process, as the class that holds these methods is.
  C.tensor = reinterpret_cast<PyTypeObject*>(tensor.inc_ref().ptr());
  C.view = reinterpret_cast<PyTypeObject*>(view.inc_ref().ptr());
  C.grad_state = grad_state.inc_ref().ptr();
  fallbacks[kMatmul] = matmul.inc_ref().ptr();
  fallbacks[kMm] = mm.inc_ref().ptr();
  fallbacks[kT] = t.inc_ref().ptr();
  C.float32 = py::dtype::of<float>().release().ptr();
  C.enabled_name = PyUnicode_InternFromString("enabled");
  C.T_name = PyUnicode_InternFromString("T");
  C.pool_min_bytes = pool_min_bytes;
  py::list made;
  for (int i = 0; i < 2 * kOps; ++i) {
    PyObject* o = i < kOps ? PyDescr_NewMethod(tt, &defs[i]) : PyCFunction_NewEx(&defs[i], nullptr, module.ptr());
    if (!o) throw py::error_already_set();
    made.append(py::reinterpret_steal<py::object>(o));
  }
  return py::tuple(made);
}

}  // namespace

void bind_tensor(py::module_& m) {
  m.def("tensor_fast_paths", &install, py::arg("tensor"), py::arg("view"), py::arg("grad_state"), py::arg("slots"),
        py::arg("pool_min_bytes"), py::arg("matmul"), py::arg("mm"), py::arg("t"),
        "C fast paths of matmul, mm and t for float32 matrices when autograd records nothing, calling the given\n"
        "Python implementations for everything else: (method descriptors for Tensor.matmul, mm, t; functions\n"
        "matmul, mm, t). `slots` maps the names of Tensor's slots to their member descriptors; products of\n"
        "pool_min_bytes or more (>= 0) fall back.");
}

}  // namespace fastnn
