"""torch.backends.cudnn's flags: settable, with no effect (fastnn has no cuDNN; its kernels are deterministic)."""
enabled = True
benchmark = False
deterministic = False


def is_available():
    return False


def version():
    return None
