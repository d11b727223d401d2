import numpy as np
import pytest

from eie_gen.compress.deep import (CompressOptions, compress, frac_bits_for, kmeans_share, prune,
                             random_network, read_weights)
from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.image import decode_weights
from eie_gen.golden.model import run_dense, run_golden


def test_prune_keeps_largest_magnitudes():
    w = np.array([[0.1, -0.9, 0.3], [-0.05, 0.5, -0.7]])
    assert prune(w, 0.5).tolist() == [[0.0, -0.9, 0.0], [0.0, 0.5, -0.7]]
    assert np.count_nonzero(prune(np.random.default_rng(0).normal(size=(30, 40)), 0.1)) == 120
    assert (prune(w, 1.0) == w).all()


@pytest.mark.parametrize("d", [0.0, -0.1, 1.5])
def test_prune_rejects_bad_density(d):
    with pytest.raises(InputError, match="density must be in"):
        prune(np.ones((2, 2)), d)


def test_kmeans_linear_init_15_centroids_and_zero_index():
    rng = np.random.default_rng(1)
    w = prune(rng.normal(size=(50, 60)), 0.3)
    c, idx = kmeans_share(w)
    assert c.shape == (15,) and (np.diff(c) >= 0).all()
    assert ((idx == 0) == (w == 0)).all()            # index 0 exactly where the weight is 0
    assert idx.max() <= 15 and idx[w != 0].min() >= 1
    # every weight goes to its nearest centroid
    err = np.abs(w[w != 0] - c[idx[w != 0] - 1])
    best = np.abs(w[w != 0][:, None] - c[None, :]).min(axis=1)
    assert np.allclose(err, best)


def test_kmeans_on_few_distinct_values_is_exact():
    w = np.array([[0.0, 1.0, -2.0], [3.0, 1.0, 0.0]])
    c, idx = kmeans_share(w)
    assert np.allclose(np.concatenate([[0.0], c])[idx], w)


def test_frac_bits_for():
    assert frac_bits_for(1.0, 16) == 14               # 32767 / 1.0 -> 2**14 <= 32767 < 2**15
    assert frac_bits_for(0.4, 8) == 8                  # 0.4 * 256 = 102 fits 127
    assert frac_bits_for(300.0, 8) == -2
    assert frac_bits_for(0.0, 16) == 15


def write_weights(tmp_path, arrays, name="w.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, message", [
    ({"W1": np.ones((2, 2))}, "has no 'W0'"),
    ({"W0": np.ones(3)}, "W0 must be a non-empty 2-D numeric array"),
    ({"W0": np.ones((2, 3)), "b0": np.ones(3)}, "b0 must be 2 numbers"),
    ({"W0": np.ones((2, 3)), "W1": np.ones((4, 3))}, "W1 has 3 columns but W0 has 2 rows"),
    ({"W0": np.full((2, 3), np.nan)}, "NaN or infinity"),
    ({"W0": np.ones((2, 3)), "W2": np.ones((2, 2))}, "W2 has no W1 before it"),
])
def test_read_weights_errors(tmp_path, arrays, message):
    with pytest.raises(InputError, match=message):
        read_weights(write_weights(tmp_path, arrays))


def test_read_weights_missing_bias_is_zero(tmp_path):
    layers = read_weights(write_weights(tmp_path, {"W0": np.ones((2, 3))}))
    assert layers[0][1].tolist() == [0.0, 0.0]


def test_compress_end_to_end_tracks_the_float_network():
    weights = random_network([64, 48, 10], seed=3)
    layers = [(weights["W0"], weights["b0"]), (weights["W1"], weights["b1"])]
    rng = np.random.default_rng(4)
    calib = rng.uniform(-1, 1, size=(200, 64))
    cfg = EIEConfig(n_pe=3)
    image, notes = compress(layers, cfg, CompressOptions(density=(0.5, 0.8)), calib=calib)
    assert [n["kept"] for n in notes] == [round(0.5 * 64 * 48), round(0.8 * 48 * 10)]
    assert image.n_pe == 3 and image.layers[0].relu and not image.layers[1].relu
    # decoded weights are the shared weights: at most 15 distinct non-zero values per layer
    for L in range(2):
        w = decode_weights(image, L)
        assert len(np.unique(w[w != 0])) <= 15
        assert np.count_nonzero(w) <= notes[L]["kept"]
    # the integer network approximates the float (pruned + shared) one on the same inputs
    x_real = calib[:50]     # inside the calibrated range: no output saturation
    x = np.clip(np.floor(x_real / image.act_scale[0] + 0.5), -32768, 32767).astype(np.int64)
    y, _ = run_golden(image, x, warn=False)
    assert (y == run_dense(image, x)).all()
    shared = []
    for L, (w, b) in enumerate(layers):
        shared.append((decode_weights(image, L) * image.layers[L].w_scale, b))
    h = np.maximum(x * image.act_scale[0] @ shared[0][0].T + shared[0][1], 0)
    ref = h @ shared[1][0].T + shared[1][1]
    got = y * image.act_scale[-1]
    assert np.abs(got - ref).max() < 0.02 * np.abs(ref).max()


def test_compress_density_count_must_match_layers():
    layers = [(np.ones((2, 3)), np.zeros(2)), (np.ones((2, 2)), np.zeros(2))]
    with pytest.raises(InputError, match="got 3 densities for 2 layers"):
        compress(layers, EIEConfig(), CompressOptions(density=(0.5, 0.5, 0.5)))


def test_compress_all_zero_layer():
    layers = [(np.zeros((5, 4)), np.zeros(5))]
    image, _ = compress(layers, EIEConfig(n_pe=2))
    assert image.layers[0].entries.size == 0
    assert run_golden(image, np.array([1, 2, 3, 4]), warn=False)[0].tolist() == [0] * 5
