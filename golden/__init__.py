"""Golden model: compression, the model image format and the bit-exact reference (numpy only)."""

from .config import EIEConfig
from .errors import ConfigError, EIEError, ImageError, InputError

__all__ = ["EIEConfig", "EIEError", "ConfigError", "ImageError", "InputError"]
