import zlib

import numpy as np
import pytest
from hypothesis import settings

# 'make test' runs the default profile; 'make regress' the long one.
settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile("regress", max_examples=5000, deadline=None)
settings.load_profile("default")

from eie_gen.config import EIEConfig
from eie_gen.image import ModelImage, image_from_indices


def make_image(indices_list, codebooks, *, n_pe, **kwargs) -> ModelImage:
    """A model image from codebook-index matrices, for tests."""
    return image_from_indices(indices_list, codebooks, n_pe=n_pe, **kwargs)


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
    # crc32, not hash(): str hashes differ from process to process, and a test's data must not.
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


@pytest.fixture
def default_config():
    return EIEConfig()
