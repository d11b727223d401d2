"""PNG plots of a compression run: sensitivity, weight histograms with the shared values, load
per PE. matplotlib is imported only when a plot is drawn (Agg back end, no display)."""

from __future__ import annotations

import io

import numpy as np

__all__ = ["sensitivity_png", "weights_png", "load_png"]


def _plt():
    import matplotlib  # noqa: PLC0415 (slow import)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def sensitivity_png(rows: list, chosen=None) -> bytes:
    """Validation accuracy against density, one line per layer (pruned alone, no retraining);
    ``chosen`` marks the recipe's per-layer densities."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    layers = sorted({r["layer"] for r in rows})
    for L in layers:
        pts = sorted((r["density"], 100 * r["val"]) for r in rows if r["layer"] == L)
        line, = ax.plot(*zip(*pts), marker="o", label=f"layer {L}")
        if chosen is not None and L < len(chosen):
            ax.axvline(chosen[L], color=line.get_color(), linestyle=":", alpha=0.7)
    ax.set_xscale("log")
    ax.set_xlabel("weights kept (density, log scale); dotted: the recipe's targets")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title("Pruning sensitivity (one layer pruned, no retraining)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _png(fig)


def weights_png(pruned: list, centroids: list) -> bytes:
    """Per layer: histogram of the non-zero weights after pruning, with the shared values
    (fine-tuned centroids) as vertical lines."""
    plt = _plt()
    n = len(pruned)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for L, (ax, w, c) in enumerate(zip(axes[0], pruned, centroids)):
        if w.size:
            ax.hist(w, bins=80, color="tab:blue", alpha=0.75)
        for v in np.asarray(c):
            ax.axvline(v, color="tab:red", linewidth=0.8, alpha=0.8)
        ax.set_title(f"layer {L}: {w.size} weights, 15 shared values")
        ax.set_xlabel("weight")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("count")
    fig.suptitle("Weights after pruning (blue) and the codebook after fine-tuning (red)", y=1.04)
    return _png(fig)


def load_png(entries_per_pe: list, cycles: dict | None = None) -> bytes:
    """Entries per PE for each layer (bars), the load each PE walks for a dense input."""
    plt = _plt()
    n = len(entries_per_pe)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for L, (ax, per_pe) in enumerate(zip(axes[0], entries_per_pe)):
        per_pe = np.asarray(per_pe)
        ax.bar(np.arange(len(per_pe)), per_pe, color="tab:green")
        if per_pe.size:
            ax.axhline(per_pe.mean(), color="black", linestyle="--", linewidth=0.8)
            eff = per_pe.mean() / per_pe.max() if per_pe.max() else 1.0
            title = f"layer {L}: balance {eff:.3f}"
        else:
            title = f"layer {L}"
        if cycles and L < len(cycles.get("layers", [])):
            title += f", {cycles['layers'][L]:.0f} cycles"
        ax.set_title(title)
        ax.set_xlabel("PE")
        ax.grid(True, alpha=0.3, axis="y")
    axes[0][0].set_ylabel("entries (weights + padding)")
    fig.suptitle("Work per PE (dashed: mean); cycles: array model, mean over the RTL images",
                 y=1.04)
    return _png(fig)
