"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (gzipped IDX files), read with
numpy. Nothing is downloaded: a missing data set is an error that says what to install."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eie_gen.errors import InputError

__all__ = ["read_idx", "Dataset", "load_fashion_mnist", "DEFAULT_FASHION_DIR", "CLASSES"]

DEFAULT_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")
_FILES = {"train_x": "train-images-idx3-ubyte.gz", "train_y": "train-labels-idx1-ubyte.gz",
          "test_x": "t10k-images-idx3-ubyte.gz", "test_y": "t10k-labels-idx1-ubyte.gz"}
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path) -> np.ndarray:
    """One IDX file (``.gz`` or plain): magic ``0 0 type ndim``, big-endian dimensions, data."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES or raw[3] == 0:
        raise InputError(f"{path} is not an IDX file (bad magic number)")
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise InputError(f"{path} is truncated (header)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(_DTYPES[raw[2]])
    count = int(np.prod(dims))
    if len(raw) != head + count * dtype.itemsize:
        raise InputError(f"{path}: {len(raw) - head} data bytes, the header announces "
                         f"{count * dtype.itemsize} for shape {dims}")
    return np.frombuffer(raw, dtype, count, head).reshape(dims)


@dataclass
class Dataset:
    """Images flattened to ``float32`` in [0, 1] (``pixel / 255``) and integer labels."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray           # held out from the training files (sensitivity, choices)
    val_y: np.ndarray
    test_x: np.ndarray          # only for the reported accuracies
    test_y: np.ndarray

    @property
    def n_inputs(self) -> int:
        return int(self.train_x.shape[1])


def load_fashion_mnist(root=None, val: int | None = None) -> Dataset:
    """Read the four files from ``root`` (default: ``$EIE_FASHION_MNIST`` or Debian's
    ``/usr/share/datasets/fashion-mnist``); the last ``val`` training images (default a
    twelfth: 5000 of Fashion-MNIST's 60000) are held out for validation."""
    root = Path(root or os.environ.get("EIE_FASHION_MNIST") or DEFAULT_FASHION_DIR)
    missing = [name for name in _FILES.values() if not (root / name).is_file()]
    if missing:
        raise InputError(
            f"Fashion-MNIST not found in {root} (missing {', '.join(missing)}): install "
            f"Debian's package (apt-get install dataset-fashion-mnist; 'make setup' does) or "
            f"pass --data-dir with the four gzipped IDX files")
    arrays = {key: read_idx(root / name) for key, name in _FILES.items()}
    for part in ("train", "test"):
        x, y = arrays[f"{part}_x"], arrays[f"{part}_y"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise InputError(f"{root}: {part} images {x.shape} and labels {y.shape} do not "
                             f"match (want N x rows x cols and N)")
        if y.size and (y.min() < 0 or y.max() >= len(CLASSES)):
            raise InputError(f"{root}: {part} labels outside 0..{len(CLASSES) - 1}")
    if val is None:
        val = len(arrays["train_y"]) // 12
    if not 0 <= val < len(arrays["train_y"]):
        raise InputError(f"validation split {val} must be below the {len(arrays['train_y'])} "
                         f"training images")

    def flat(x):
        return (x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0))

    tx, ty = flat(arrays["train_x"]), arrays["train_y"].astype(np.int64)
    cut = len(ty) - val
    return Dataset(tx[:cut], ty[:cut], tx[cut:], ty[cut:], flat(arrays["test_x"]),
                   arrays["test_y"].astype(np.int64))
