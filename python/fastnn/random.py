"""Random number generation as torch's CPU generator draws it, so that a seed gives torch's numbers.

torch's generator is a 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of the seed; its draws are
32-bit words (`random`) or two of them joined, the first in the high half (`random64`). numpy's MT19937 is the
same twister: fastnn sets its state as torch seeds it and reads its raw words. On top of them this module
follows torch's CPU kernels (ATen's DistributionTemplates.h, DistributionsHelper.h, TransformationHelper.h):

- uniform (rand, uniform_, nn.Linear's init): a float32 takes the low 24 bits of one word, a float64 the low 53
  bits of a random64, scaled to [0, 1) in float64, then x * (to - from) + from;
- normal (randn, normal_): fewer than 16 values go one by one through a Box-Muller on two float64 uniforms that
  keeps the second value of each pair for the next call; 16 or more go in blocks of 16 (8 pairs) over uniforms
  of the output dtype, the last block redrawn when the count is not a multiple of 16;
- integers in [low, high): a word (a random64 for ranges from 2^28) modulo the range, plus low;
- permutations: torch's Fisher-Yates on one word per position.

Values match torch's bit for bit, with two exceptions. randn of 16 or more float32 values: torch's AVX2 kernel
computes those with its own log/sin/cos, a few millionths at most from numpy's (torch's scalar kernel, which
other CPUs run, differs from its AVX2 one too). float16: drawn here as float32 values, rounded.
Draws torch makes with other algorithms (multinomial, bernoulli, dropout masks, exponential, orthogonal init)
come from numpy's Generator over the same twister: reproducible under a seed, but not torch's numbers.
"""
import math

import numpy as np

from . import _C

_TORCH_DEFAULT_SEED = 67280421310721
_LOW_53 = np.uint64((1 << 53) - 1)
_LOW_24 = np.uint64((1 << 24) - 1)


def _mt19937_key(seed):
    """The twister's 624-word state after torch's seeding (init_genrand on the seed's low 32 bits)."""
    key = np.empty(624, np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for j in range(1, 624):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return key


class Generator:
    """A seedable source of random numbers: torch's CPU generator (see the module's docstring)."""

    def __init__(self, device="cpu"):
        self.device = device
        self._bits = np.random.MT19937()
        self._rng = np.random.Generator(self._bits)  # for draws torch makes with other algorithms
        self.manual_seed(_TORCH_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & ((1 << 64) - 1)  # torch keeps a negative seed as its two's complement
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _mt19937_key(self._seed), "pos": 624}}
        self._next_normal = None  # the second value of the last float64 Box-Muller pair, kept for the next draw
        return self

    def seed(self):
        """Seed from the OS's entropy and return the seed used."""
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as a dict (torch returns a ByteTensor): for set_state only."""
        return {"mt19937": self._bits.state, "next_normal": self._next_normal, "seed": self._seed}

    def set_state(self, state):
        self._bits.state = state["mt19937"]
        self._next_normal, self._seed = state["next_normal"], state["seed"]
        return self

    # ---- torch's draws ----
    def random(self, n):
        """n 32-bit words (uint64)."""
        return self._bits.random_raw(n)

    def random64(self, n):
        """n 64-bit words (uint64), each from two 32-bit ones, the first in the high half."""
        w = self._bits.random_raw(2 * n).reshape(n, 2)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]

    def uniform(self, shape, low, high, dtype):
        """Values in [low, high) of a float dtype (numpy's), as torch's uniform_."""
        n = math.prod(shape)
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            x = (self.random64(n) & _LOW_53).astype(np.float64) * 2.0 ** -53
        else:
            x = (self.random(n) & _LOW_24).astype(np.float64) * 2.0 ** -24
        ft = np.float64 if dtype == np.float64 else np.float32  # (float16 draws as float32, then rounds)
        low, high = ft(low), ft(high)
        return (x * np.float64(high - low) + np.float64(low)).astype(dtype).reshape(shape)

    def normal(self, shape, mean, std, dtype, contiguous=True):
        """Normal values of a float dtype (numpy's), as torch's normal_ (contiguous: on a contiguous tensor;
        a strided one draws value by value)."""
        n = math.prod(shape)
        dtype = np.dtype(dtype)
        if n < 16 or not contiguous:
            out = self._normal_pairs(n) * std + mean
        else:
            ft = np.float64 if dtype == np.float64 else np.float32
            out = self.uniform((n,), 0, 1, ft)
            full = n - n % 16
            out[:full] = self._box_muller_16(out[:full], mean, std)
            if n % 16:
                out[n - 16:] = self._box_muller_16(self.uniform((16,), 0, 1, ft), mean, std)
        return out.astype(dtype, copy=False).reshape(shape)

    def _normal_pairs(self, n):
        """n standard normal float64 values one by one, as torch's normal_distribution<double>: each pair of
        uniforms gives r cos(theta), and r sin(theta) is kept for the next value (in this call or the next)."""
        out = np.empty(n)
        start = 0
        if n and self._next_normal is not None:
            out[0], self._next_normal, start = self._next_normal, None, 1
        pairs = (n - start + 1) // 2
        if pairs:
            u = (self.random64(2 * pairs) & _LOW_53).astype(np.float64) * 2.0 ** -53
            r = np.sqrt(-2.0 * np.log1p(-u[1::2]))
            theta = 2.0 * np.pi * u[0::2]
            values = np.empty(2 * pairs)
            values[0::2], values[1::2] = r * np.cos(theta), r * np.sin(theta)
            out[start:] = values[:n - start]
            if (n - start) % 2:
                self._next_normal = values[-1]
        return out

    @staticmethod
    def _box_muller_16(u, mean, std):
        """torch's normal fill on uniforms u (a multiple of 16, float32 or float64): in each block of 16, the pair
        (u[j], u[j + 8]) becomes (r cos(theta), r sin(theta)) at the same places."""
        ft = u.dtype.type
        blocks = u.reshape(-1, 2, 8)
        radius = np.sqrt(ft(-2) * np.log(ft(1) - blocks[:, 0]))
        theta = (2.0 * np.pi * blocks[:, 1].astype(np.float64)).astype(ft)
        return np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1) * ft(std) + ft(mean)

    def integers(self, low, high, shape):
        """int64 values in [low, high), as torch's random_(low, high) and randint."""
        n, span = math.prod(shape), high - low
        words = self.random64(n) if span >= 1 << 28 else self.random(n)
        return ((words % np.uint64(span)).astype(np.int64) + low).reshape(shape)

    def permutation(self, n):
        """A permutation of 0..n-1 (int64), as torch's randperm on the CPU."""
        out = np.empty(n, np.int64)
        _C.randperm_from_draws(self.random(max(n - 1, 0)).view(np.int64), out)
        return out

    def default_random(self, n, dtype):
        """n values as torch's random_() draws them for a dtype (numpy's): any int64 >= 0, any value an integer
        dtype holds from 0, 0 or 1 for bool, an integer 0..2^mantissa bits for floats."""
        dtype = np.dtype(dtype)
        if dtype == np.bool_:
            return self.random(n) & np.uint64(1)
        if dtype == np.int64 or dtype == np.float64:
            return self.random64(n) % np.uint64((1 << 63) if dtype == np.int64 else (1 << 53) + 1)
        top = (1 << 24) + 1 if dtype == np.float32 else (1 << 11) + 1 if dtype == np.float16 else \
            int(np.iinfo(dtype).max) + 1
        return self.random(n) % np.uint64(top)

    def seed_draw(self):
        """A seed for another generator, as torch draws one (torch.empty((), dtype=torch.int64).random_())."""
        return int(self.random64(1)[0] % np.uint64(1 << 63))


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


def _gen(generator):
    return generator if generator is not None else default_generator


def _rng(generator):
    """numpy's Generator over the given (or default) generator's twister, for draws not matched to torch's."""
    return _gen(generator)._rng


def draw_categories(rng, w, k, replacement):
    """k indices drawn with probability proportional to the weights w (float64, non-negative, positive sum), as
    torch.multinomial: without replacement, zero-weight indices come last, once the positive ones run out."""
    npos = np.count_nonzero(w)
    if replacement or k <= npos:
        return rng.choice(w.size, size=k, replace=replacement, p=w / w.sum()).astype(np.int64)
    pos = rng.choice(w.size, size=npos, replace=False, p=w / w.sum())
    zeros = rng.permutation(np.flatnonzero(w == 0))[:k - npos]
    return np.concatenate([pos, zeros]).astype(np.int64)
