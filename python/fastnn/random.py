"""Random number generation: Generator objects and the default generator seeded by manual_seed."""
import numpy as np


class Generator:
    """A seedable source of random numbers (wraps numpy's PCG64). Same seed, same numbers, every run."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed & ((1 << 128) - 1)))
        return self

    def seed(self):
        """Seed from the OS's entropy and return the seed used."""
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (as torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator if generator is not None else default_generator)._rng


def draw_categories(rng, w, k, replacement):
    """k indices drawn with probability proportional to the weights w (float64, non-negative, positive sum), as
    torch.multinomial: without replacement, zero-weight indices come last, once the positive ones run out."""
    npos = np.count_nonzero(w)
    if replacement or k <= npos:
        return rng.choice(w.size, size=k, replace=replacement, p=w / w.sum()).astype(np.int64)
    pos = rng.choice(w.size, size=npos, replace=False, p=w / w.sum())
    zeros = rng.permutation(np.flatnonzero(w == 0))[:k - npos]
    return np.concatenate([pos, zeros]).astype(np.int64)
