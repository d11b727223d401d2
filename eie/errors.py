"""Errors a user can cause. The CLI turns each into a one-line reason and a non-zero exit."""


class EIEError(Exception):
    """Base of every error caused by bad input rather than by a bug."""


class ConfigError(EIEError, ValueError):
    """An accelerator configuration that is malformed or out of range."""


class ImageError(EIEError, ValueError):
    """A model image that breaks the format (SPEC §2)."""


class InputError(EIEError, ValueError):
    """Weights, activations or options that cannot be used."""


class MismatchError(EIEError):
    """Two models that must agree bit for bit did not (the message names layer, PE, row and
    input, :func:`eie_gen.golden.mismatch.describe_mismatch`)."""
