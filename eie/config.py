"""The one configuration of a generated EIE accelerator (SPEC §2).

Pure Python: golden, hw, sim and synth all take an :class:`EIEConfig`. Derived values are
properties, never recomputed elsewhere.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

from eie_gen.errors import ConfigError

__all__ = ["EIEConfig", "MEANING", "to_markdown"]


def _ceil_log2(n: int) -> int:
    return max(0, math.ceil(math.log2(n))) if n > 1 else 0


# (name, lowest, highest): the ranges the golden model's int64 arithmetic and the image
# format (4-bit fields, int16 outputs) can honour exactly.
_RANGES = {
    "n_pe": (1, 4096),
    "index_bits": (4, 4),
    "zrun_bits": (4, 4),
    "entries_per_word": (1, 64),
    "weight_bits": (2, 24),
    "act_bits": (2, 16),
    "acc_bits": (2, 48),
    "fifo_depth": (1, 4096),
    "spmat_words": (1, 1 << 24),
    "ptr_depth": (2, 1 << 24),
    "act_depth": (1, 1 << 20),
    "bias_depth": (1, 1 << 20),
    "max_layers": (1, 64),
}
# The broadcast on credit (hw/eie_top.py), one definition for the RTL and the cycle model: the
# tree's root sees a queue's level ROOM_LAG cycles late (the status registers,
# hw/layouts.STATUS_LATENCY) and its items reach the queues BROADCAST_LAG cycles after it sends
# them (the broadcast registers, hw/layouts.BROADCAST_LATENCY). A queue has room below
# fifo_depth + ROOM_SLACK items (those it may have given away unseen) and holds
# ROOM_LAG + BROADCAST_LAG more than that (those in flight).
ROOM_LAG = 2
BROADCAST_LAG = 2
ROOM_SLACK = ROOM_LAG
BROADCAST_SLACK = ROOM_SLACK + ROOM_LAG + BROADCAST_LAG
# What each field means (docs/config.md is made from this table and the ranges above).
MEANING = {
    "n_pe": "processing elements; row i of every layer belongs to PE i mod n_pe",
    "index_bits": "bits of a virtual-weight index (a 16-entry codebook; fixed by image v1)",
    "zrun_bits": "bits of a relative row index (zero runs of up to 15; fixed by image v1)",
    "entries_per_word": "8-bit entries per sparse-matrix memory word (a power of two)",
    "weight_bits": "signed width of a decoded weight (codebook entry)",
    "act_bits": "signed width of an activation (inputs, outputs, biases)",
    "acc_bits": "signed width of an accumulator (wraps modulo 2^acc_bits)",
    "fifo_depth": "each PE's activation queue: the broadcast stalls while one holds "
                  "fifo_depth + 2 items (its fifo_depth + 6 slots hold what is in flight)",
    "spmat_words": "sparse-matrix memory words per PE, all layers together",
    "ptr_depth": "column pointers per PE, all layers' cols + 1 together",
    "act_depth": "activation and accumulator rows per PE (local rows of the widest layer)",
    "bias_depth": "biases per PE, all layers' local rows together",
    "max_layers": "layer descriptors and codebooks in the control unit",
}


@dataclass(frozen=True, kw_only=True)
class EIEConfig:
    """Generation parameters of one accelerator.

    ``index_bits`` and ``zrun_bits`` are fixed at 4 by model image v1 (SPEC §2). Capacities are
    per PE: ``spmat_words`` words of ``entries_per_word`` entries, ``ptr_depth`` pointers (all
    layers' ``cols + 1`` together), ``act_depth`` activation and accumulator rows,
    ``bias_depth`` biases (all layers' local rows together); ``max_layers`` layer descriptors
    and codebooks in the control unit.
    """

    n_pe: int = 4
    index_bits: int = 4
    zrun_bits: int = 4
    entries_per_word: int = 8
    weight_bits: int = 16
    act_bits: int = 16
    acc_bits: int = 32
    fifo_depth: int = 8
    spmat_words: int = 1024
    ptr_depth: int = 1024
    act_depth: int = 64
    bias_depth: int = 256
    max_layers: int = 8

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            lo, hi = _RANGES[field.name]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{field.name} must be an integer, not {value!r}")
            if not lo <= value <= hi:
                if lo == hi:
                    raise ConfigError(f"{field.name} must be {lo} (model image v1), not {value}")
                raise ConfigError(f"{field.name} must be in [{lo}, {hi}], not {value}")
        if self.entries_per_word & (self.entries_per_word - 1):
            raise ConfigError(f"entries_per_word must be a power of two (a pointer splits into "
                              f"word and lane bits), not {self.entries_per_word}")
        if self.ptr_bits + 1 > 32:
            raise ConfigError(f"a pointer word ({self.ptr_bits + 1} bits) must fit the host "
                              f"port's 32 bits: fewer matrix entries per PE")
        if self.acc_bits < self.act_bits:
            raise ConfigError(
                f"acc_bits ({self.acc_bits}) must be at least act_bits ({self.act_bits})")

    # -- derived values ------------------------------------------------------------------
    @property
    def queue_room(self) -> int:
        """Items below which an activation queue has room for the broadcast:
        ``fifo_depth + 2``, as the root sees it 2 cycles late."""
        return self.fifo_depth + ROOM_SLACK

    @property
    def queue_slots(self) -> int:
        """Entries each activation queue holds: ``queue_room`` and the 4 items a broadcast
        decision may have on their way, ``fifo_depth + 6``."""
        return self.fifo_depth + BROADCAST_SLACK

    @property
    def codebook_size(self) -> int:
        return 1 << self.index_bits

    @property
    def entry_bits(self) -> int:
        return self.index_bits + self.zrun_bits

    @property
    def word_bits(self) -> int:
        return self.entries_per_word * self.entry_bits

    @property
    def max_zrun(self) -> int:
        """Largest relative index; a longer zero run needs padding entries."""
        return (1 << self.zrun_bits) - 1

    @property
    def spmat_entries(self) -> int:
        return self.spmat_words * self.entries_per_word

    @property
    def ptr_bits(self) -> int:
        """Pointer width: enough for ``spmat_entries`` itself (one past the last entry)."""
        return _ceil_log2(self.spmat_entries + 1)

    @property
    def ptr_word_bits(self) -> int:
        """A pointer-memory word: pointer ``P[j]`` and, above it, "column ``j`` is empty"."""
        return self.ptr_bits + 1

    @property
    def spmat_addr_bits(self) -> int:
        return max(1, _ceil_log2(self.spmat_words))

    @property
    def ptr_addr_bits(self) -> int:
        return max(1, _ceil_log2(self.ptr_depth))

    @property
    def row_bits(self) -> int:
        """Width of a local row (an address into the activations or accumulators)."""
        return max(1, _ceil_log2(self.act_depth))

    @property
    def col_bits(self) -> int:
        """Width of a column index ``j`` (any layer input up to ``max_vector``)."""
        return max(1, _ceil_log2(self.max_vector))

    @property
    def bias_addr_bits(self) -> int:
        return max(1, _ceil_log2(self.bias_depth))

    @property
    def act_min(self) -> int:
        return -(1 << (self.act_bits - 1))

    @property
    def act_max(self) -> int:
        return (1 << (self.act_bits - 1)) - 1

    @property
    def weight_min(self) -> int:
        return -(1 << (self.weight_bits - 1))

    @property
    def weight_max(self) -> int:
        return (1 << (self.weight_bits - 1)) - 1

    @property
    def max_vector(self) -> int:
        """Longest activation vector (layer input or output) the PEs hold."""
        return self.n_pe * self.act_depth

    @property
    def lnzd_levels(self) -> int:
        """Levels of the 4-ary leading-non-zero-detection tree above the PEs."""
        levels, n = 0, self.n_pe
        while n > 1:
            n, levels = -(-n // 4), levels + 1
        return levels

    @property
    def slug(self) -> str:
        """Short name for build directories, test ids and baselines."""
        default = EIEConfig()
        parts = [f"pe{self.n_pe}"]
        tags = {"entries_per_word": "e", "weight_bits": "w", "act_bits": "a",
                "acc_bits": "acc", "fifo_depth": "f", "spmat_words": "sm",
                "ptr_depth": "pd", "act_depth": "ad", "bias_depth": "bd",
                "max_layers": "ml"}
        for name, tag in tags.items():
            if getattr(self, name) != getattr(default, name):
                parts.append(f"{tag}{getattr(self, name)}")
        return "_".join(parts)

    # -- serialisation -------------------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data) -> "EIEConfig":
        if not isinstance(data, dict):
            raise ConfigError(f"a config must be a JSON object, not {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(map(repr, unknown))}")
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> "EIEConfig":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"config is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path) -> "EIEConfig":
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"config {path} is not UTF-8 text") from None
        return cls.from_json(text)

    def replace(self, **changes) -> "EIEConfig":
        return dataclasses.replace(self, **changes)


def to_markdown() -> str:
    """docs/config.md: every field with its default, range and meaning."""
    lines = ["# Accelerator configuration", "",
             "One frozen `EIEConfig` (`eie/config.py`) sets every width and capacity of a "
             "generated core. `--config CFG.json` takes these fields (any subset; the rest "
             "keep their defaults); `eie generate -o DIR` writes the resolved `config.json`. "
             "Generated by `eie docs` (do not edit).", "",
             "| field | default | range | meaning |", "|---|---|---|---|"]
    for field in dataclasses.fields(EIEConfig):
        lo, hi = _RANGES[field.name]
        span = f"{lo}" if lo == hi else f"{lo} .. {hi}"
        lines.append(f"| `{field.name}` | {field.default} | {span} | {MEANING[field.name]} |")
    lines += ["", "Also checked: `acc_bits >= act_bits`, and a pointer word "
              "(`ptr_bits + 1`) fits the host port's 32 bits, where `ptr_bits = "
              "ceil(log2(spmat_words * entries_per_word + 1))` (SPEC §2).", ""]
    return "\n".join(lines)
