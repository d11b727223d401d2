"""EIE accelerator generator: Deep Compression, Amaranth RTL of the EIE engine, its cocotb
regressions against a bit-exact golden model, and Yosys/nextpnr synthesis.

One import root; its floors (``docs/architecture.md``), lowest first:

- the contract, here at the root: ``config``, ``errors``, the model-image format (``image``,
  ``encode``, ``rows``), the address map and host writes (``addrmap``, ``placement``), file
  I/O and the job executor (``fileio``, ``parallel``);
- ``golden`` (the bit-exact reference and the cycle models) and ``compress`` (Deep
  Compression);
- ``hw`` (Amaranth, on the contract only), ``sim``, ``synth``, ``formal``, ``bench``;
- ``api`` and ``cli`` on top.

>>> from eie_gen import EIEConfig, ModelImage, api
"""

from importlib import metadata as _metadata

from eie_gen.config import EIEConfig
from eie_gen.errors import ConfigError, EIEError, ImageError, InputError

try:
    __version__ = _metadata.version("eie-gen")
except _metadata.PackageNotFoundError:       # a checkout on sys.path, not installed
    __version__ = "0.0.0"


def __getattr__(name):
    # ModelImage on first use: the image module needs numpy, which every `eie` start-up
    # (and `eie --help`) would otherwise pay for.
    if name == "ModelImage":
        from eie_gen.image import ModelImage
        return ModelImage
    raise AttributeError(f"module 'eie_gen' has no attribute {name!r}")

__all__ = ["EIEConfig", "ModelImage", "EIEError", "ConfigError", "ImageError", "InputError",
           "__version__"]
