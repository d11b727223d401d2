"""Fashion-MNIST reader, numpy training and the Deep Compression pipeline, on small synthetic
data written by the tests (the real data set is exercised by 'make demo')."""

import gzip
import json
import struct

import numpy as np
import pytest

from eie_gen.config import EIEConfig
from eie_gen.compress.datasets import load_fashion_mnist, read_idx
from eie_gen.errors import InputError
from eie_gen.golden.fixedpoint import to_fixed
from eie_gen.image import decode_weights
from eie_gen.golden.model import run_dense
from eie_gen.compress.pipeline import Recipe, deep_compress, golden_predict, quantize_inputs
from eie_gen.compress.train import (Constraint, TrainOptions, _backward, accuracy, fake_quant,
                                    forward, init_mlp, train)


def write_idx(path, array: np.ndarray, gz=True):
    code = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C}[array.dtype]
    head = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    data = head + array.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


def blobs(n, side=4, seed=0):
    """Ten classes of noisy ``side x side`` images, each class a bright pixel pattern."""
    protos = np.random.default_rng(99).random((10, side * side)) < 0.3
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = protos[y] * 200 + rng.integers(0, 56, (n, side * side))
    return x.reshape(n, side, side).astype(np.uint8), y.astype(np.uint8)


def write_fake_fashion(root, n_train: int, n_test: int):
    """The four Fashion-MNIST files in ``root``, holding :func:`blobs` images."""
    root.mkdir(exist_ok=True)
    for part, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        x, y = blobs(n, seed=seed)
        write_idx(root / f"{part}-images-idx3-ubyte.gz", x)
        write_idx(root / f"{part}-labels-idx1-ubyte.gz", y)
    return root


@pytest.fixture
def fake_fashion(tmp_path):
    return write_fake_fashion(tmp_path, 1200, 300)


def test_idx_reader_round_trips_and_rejects_broken_files(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    write_idx(tmp_path / "b", np.array([1, -2, 3], dtype=">i4"), gz=False)
    assert np.array_equal(read_idx(tmp_path / "a.gz"), a)
    assert read_idx(tmp_path / "b").tolist() == [1, -2, 3]
    (tmp_path / "bad").write_bytes(b"\x01\x00\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(InputError, match="bad magic"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(InputError, match="announces 5"):
        read_idx(tmp_path / "short")


def test_fashion_loader_splits_and_scales(fake_fashion):
    d = load_fashion_mnist(fake_fashion, val=200)
    assert d.train_x.shape == (1000, 16) and d.val_x.shape == (200, 16)
    assert d.test_x.shape == (300, 16) and d.train_x.dtype == np.float32
    raw = read_idx(fake_fashion / "train-images-idx3-ubyte.gz").reshape(1200, 16)
    assert np.array_equal(d.val_x, raw[1000:] / np.float32(255))
    assert 0.0 <= d.train_x.min() and d.train_x.max() <= 1.0


def test_fashion_loader_says_what_to_install(tmp_path):
    with pytest.raises(InputError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)


def numeric_grads(net, x, y, opts, teacher_logits, eps=1e-3):
    def loss(layers):
        z = forward(layers, x)[0].astype(np.float64)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        ce = -np.log(p[np.arange(len(y)), y]).mean()
        if not opts.distill:
            return ce
        t = opts.temperature
        zt = forward(layers, x)[0].astype(np.float64) / t
        q = np.exp(zt - zt.max(1, keepdims=True))
        q /= q.sum(1, keepdims=True)
        tt = teacher_logits.astype(np.float64) / t
        pt = np.exp(tt - tt.max(1, keepdims=True))
        pt /= pt.sum(1, keepdims=True)
        kl = (pt * (np.log(pt) - np.log(q))).sum(axis=1).mean()
        return (1 - opts.distill) * ce + opts.distill * t * t * kl
    rng = np.random.default_rng(0)
    checks = []
    for L, (w, _) in enumerate(net):
        for _ in range(4):
            i, j = rng.integers(0, w.shape[0]), rng.integers(0, w.shape[1])
            plus = [(a.astype(np.float64).copy(), b) for a, b in net]
            minus = [(a.astype(np.float64).copy(), b) for a, b in net]
            plus[L][0][i, j] += eps
            minus[L][0][i, j] -= eps
            checks.append((L, i, j, (loss(plus) - loss(minus)) / (2 * eps)))
    return checks


@pytest.mark.parametrize("distill", [0.0, 0.6])
def test_backprop_matches_finite_differences(distill):
    rng = np.random.default_rng(3)
    net = [(w.astype(np.float64), b.astype(np.float64)) for w, b in init_mlp([6, 5, 4, 3], 1)]
    x = rng.normal(size=(7, 6))
    y = rng.integers(0, 3, 7)
    teacher = rng.normal(size=(7, 3)) if distill else None
    opts = TrainOptions(distill=distill, temperature=2.0)
    logits, saved = forward(net, x)
    grads = _backward(net, saved, logits, y, opts, teacher)
    for L, i, j, num in numeric_grads(net, x, y, opts, teacher):
        assert grads[L][0][i, j] == pytest.approx(num, rel=1e-3, abs=1e-6), (L, i, j)


def test_training_learns_and_masks_keep_pruned_weights_zero(fake_fashion):
    d = load_fashion_mnist(fake_fashion, val=200)
    net0 = init_mlp([16, 24, 10], 0)
    before = accuracy(net0, d.test_x, d.test_y)
    net = train(net0, d.train_x, d.train_y, TrainOptions(epochs=8, lr=0.1, batch=32))
    after = accuracy(net, d.test_x, d.test_y)
    assert after > 0.9 > before
    mask = (np.random.default_rng(0).random(net[0][0].shape) < 0.3).astype(np.float32)
    cons = [Constraint(mask=mask), None]
    net2 = train(net, d.train_x, d.train_y, TrainOptions(epochs=1, lr=0.1, l1=1e-3),
                 constraints=cons)
    assert np.all(net2[0][0][mask == 0] == 0)
    assert np.any(net2[0][0][mask == 1] != net[0][0][mask == 1])


def test_centroid_fine_tuning_keeps_the_sharing(fake_fashion):
    d = load_fashion_mnist(fake_fashion, val=200)
    net = train(init_mlp([16, 24, 10], 0), d.train_x, d.train_y,
                TrainOptions(epochs=3, lr=0.1, batch=32))
    idx = np.random.default_rng(1).integers(0, 16, net[0][0].shape)
    c = np.linspace(-0.5, 0.5, 15)
    cons = [Constraint(centroids=c.copy(), index=idx), None]
    out = train(net, d.train_x, d.train_y, TrainOptions(epochs=1, lr=1e-3), constraints=cons)
    w = out[0][0]
    assert np.all(w[idx == 0] == 0)
    for k in range(1, 16):
        assert len(np.unique(w[idx == k])) <= 1          # one shared value per index
    assert not np.allclose(cons[0].centroids, c)           # and the centroids moved


def test_fake_quant_is_the_hardware_grid():
    x = np.array([-3.0, -0.126, 0.0, 0.37, 0.4999, 5.0], np.float32)
    q, inside = fake_quant(x, 3, 5)        # 5-bit, 3 fraction bits: [-2, 1.875]
    assert np.array_equal(q * 8, to_fixed(x, 3, 5))
    assert inside.tolist() == [False, True, True, True, True, False]


def test_recipe_validation(tmp_path):
    assert Recipe.from_dict({"density": 0.2}).density == (0.2,)
    with pytest.raises(InputError, match="unknown key 'densty'"):
        Recipe.from_dict({"densty": 0.2})
    with pytest.raises(InputError, match="must be an integer"):
        Recipe.from_dict({"prune_steps": 1.5})
    with pytest.raises(InputError, match=r"density must be in \(0, 1\]"):
        Recipe.from_dict({"density": [0.5, 1.5]})
    (tmp_path / "r.json").write_text("{nope")
    with pytest.raises(InputError, match="not valid JSON"):
        Recipe.load(tmp_path / "r.json")
    with pytest.raises(InputError, match="3 densities for 2 layers"):
        Recipe(density=(0.1, 0.2, 0.3)).densities(2)


def test_pipeline_with_every_option_gives_an_exact_image(fake_fashion):
    d = load_fashion_mnist(fake_fashion, val=200)
    net = train(init_mlp([16, 24, 12, 10], 0), d.train_x, d.train_y,
                TrainOptions(epochs=6, lr=0.1, batch=32))
    recipe = Recipe(density=(0.3, 0.5, 0.6), prune_steps=2, retrain_epochs=1,
                    finetune_epochs=1, qat_epochs=1, l1=1e-4, l1_epochs=1, dsd_epochs=1,
                    distill=0.5, batch=32, sensitivity=(1.0, 0.3), calib_images=200)
    log = []
    cfg = EIEConfig(n_pe=2, act_depth=16)
    res = deep_compress(net, d, cfg, recipe, progress=log.append)
    names = [s["stage"] for s in res.stages]
    assert names == ["float", "L1 regularised", "DSD sparse", "DSD re-dense", "pruned 1/2",
                     "pruned 2/2", "shared (k-means)", "centroids fine-tuned",
                     "QAT fine-tuned", "fixed point (golden model)"]
    assert [round(x, 2) for x in res.stages[-2]["density"]] == [0.3, 0.5, 0.6]
    assert len(res.sensitivity) == 3 * 2
    # The image's decoded weights are the fine-tuned shared values, on the kept positions.
    for L, (c, idx) in enumerate(res.shared):
        layer = res.image.layers[L]
        dec = decode_weights(res.image, L) * layer.w_scale
        want = np.concatenate([[0.0], c])[idx]
        assert np.all(dec[idx == 0] == 0)
        assert np.abs(dec - want).max() <= layer.w_scale / 2 + 1e-12
    # Golden predictions: the dense reference on the same raw inputs agrees.
    pred, y = golden_predict(res.image, d.test_x)
    assert np.array_equal(y, run_dense(res.image, quantize_inputs(res.image, d.test_x)))
    assert (pred == d.test_y).mean() > 0.8
    assert res.stages[-1]["test"] == (pred == d.test_y).mean()
    json.dumps(res.summary())                                # serialisable as it is
