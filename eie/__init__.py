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
from eie_gen.image import ModelImage

try:
    __version__ = _metadata.version("eie-gen")
except _metadata.PackageNotFoundError:       # a checkout on sys.path, not installed
    __version__ = "0+unknown"

__all__ = ["EIEConfig", "ModelImage", "EIEError", "ConfigError", "ImageError", "InputError",
           "__version__"]
