"""The course notes' autograd walk-through, with fastnn in place of torch (only the import differs)."""
import fastnn as torch

# Tensors that autograd should track need requires_grad=True.
w1 = torch.tensor(2.0, requires_grad=True)
w2 = torch.tensor(3.0, requires_grad=True)
w3 = torch.tensor(4.0, requires_grad=True)

# A small graph: e = (w1 * w2 + w3) ** 2
a = w1 * w2
b = a + w3
e = b ** 2
print("e =", e)
print("e.grad_fn:", e.grad_fn)

# e.backward() computes de/dw for every tensor that requires grad.
e.backward()
print("de/dw1 =", w1.grad, " (2 * b * w2 =", 2 * 10 * 3, ")")
print("de/dw2 =", w2.grad, " (2 * b * w1 =", 2 * 10 * 2, ")")
print("de/dw3 =", w3.grad, " (2 * b =", 2 * 10, ")")

# Gradients accumulate: running the forward pass and backward() again adds to .grad ...
e = (w1 * w2 + w3) ** 2
e.backward()
print("after a second backward, w1.grad =", w1.grad, "(twice the first)")

# ... so clear them after each step (what optimizer.zero_grad() does).
for w in (w1, w2, w3):
    w.grad = None

# Turn tracking off when no gradient is needed: faster, and nothing is recorded.
with torch.no_grad():
    y = w1 * w2
print("under no_grad, y.requires_grad =", y.requires_grad)

x = torch.randn(2, 2, requires_grad=True)
y = x ** 2
z = y.mean()
z.backward()
print("x:", x, "\nd(mean(x^2))/dx = x / 2:", x.grad)
print("matches:", torch.allclose(x.grad, x.detach() / 2))
