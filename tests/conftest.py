import numpy as np
import pytest
from hypothesis import settings

# 'make test' runs the default profile; 'make regress' the long one.
settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("regress", max_examples=5000, deadline=None)
settings.load_profile("default")

from golden.config import EIEConfig
from golden.encode import encode_layer
from golden.image import Layer, ModelImage


def make_image(indices_list, codebooks, *, n_pe, shifts=None, relus=None, biases=None,
               act_bits=16, weight_bits=16, acc_bits=32, entries_per_word=8) -> ModelImage:
    """A model image from codebook-index matrices, for tests."""
    layers = []
    for L, (idx, cb) in enumerate(zip(indices_list, codebooks)):
        ptr, entries, off = encode_layer(idx, n_pe)
        rows = idx.shape[0]
        layers.append(Layer(
            shape=idx.shape, codebook=np.asarray(cb, dtype=np.int64), w_scale=2.0 ** -8,
            shift=(shifts or [0] * len(indices_list))[L],
            relu=(relus or [False] * len(indices_list))[L],
            bias=np.zeros(rows, np.int64) if biases is None else np.asarray(biases[L]),
            ptr=ptr, entries=entries, entry_offsets=off))
    return ModelImage(n_pe=n_pe, entries_per_word=entries_per_word,
                      act_scale=np.full(len(layers) + 1, 2.0 ** -8), layers=layers,
                      act_bits=act_bits, weight_bits=weight_bits, acc_bits=acc_bits)


def random_indices(rng, rows, cols, density):
    idx = rng.integers(1, 16, size=(rows, cols))
    idx[rng.random((rows, cols)) >= density] = 0
    return idx


def random_codebook(rng, weight_bits=16):
    cb = rng.integers(-(1 << (weight_bits - 1)), 1 << (weight_bits - 1), size=16)
    cb[0] = 0
    return cb


@pytest.fixture
def rng(request):
    return np.random.default_rng(abs(hash(request.node.name)) % (1 << 32))


@pytest.fixture
def default_config():
    return EIEConfig()
