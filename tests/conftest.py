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
from eie_gen.sim.cases.random import random_codebook, random_indices  # noqa: F401 (for tests)


def make_image(indices_list, codebooks, *, n_pe, **kwargs) -> ModelImage:
    """A model image from codebook-index matrices, for tests."""
    return image_from_indices(indices_list, codebooks, n_pe=n_pe, **kwargs)




@pytest.fixture
def rng(request):
    # crc32, not hash(): str hashes differ from process to process, and a test's data must not.
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


@pytest.fixture
def default_config():
    return EIEConfig()
