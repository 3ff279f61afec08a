"""The CPU kernel API: functions on numpy arrays. float32 C-contiguous inputs go to fastnn's C++ kernels;
other dtypes (float64 for gradcheck) take an equivalent numpy path with the same semantics."""
from .gemm import bias_grad, linear, linear_chain, linear_chain_backward, matmul
from .indexing import take_rows
from .elementwise import erf, relu, relu_backward, sigmoid, sigmoid_backward, tanh, tanh_backward
from .softmax import (cross_entropy, nll_loss, nll_loss_backward, log_softmax, log_softmax_backward, softmax, softmax_backward)
from .optim import adadelta_step, adagrad_step, adam_step, rmsprop_step, sgd_step
