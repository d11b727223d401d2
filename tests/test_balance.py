"""Load-aware row assignment (compress/balance.py): the order, the image field, and that a
balanced image computes exactly what the plain one does, in the network's order."""

import numpy as np
import pytest

from eie_gen.rows import to_network_order
from eie_gen.compress.balance import balanced_row_order, row_work
from eie_gen.compress.deep import CompressOptions, compress, random_network
from eie_gen.config import EIEConfig
from eie_gen.encode import local_rows
from eie_gen.errors import ImageError
from eie_gen.image import decode_weights, image_from_indices, read_image, validate_image, \
    write_image
from eie_gen.golden.model import first_mismatch, run_dense, run_golden


def _skewed(rng, rows, cols):
    """Row densities from 1 % to 60 %, heavy rows bunched so that i mod N is unbalanced."""
    density = np.linspace(0.6, 0.01, rows)[:, None]
    idx = rng.integers(1, 16, (rows, cols))
    idx[rng.random((rows, cols)) >= density] = 0
    return idx


@pytest.mark.parametrize("rows, n_pe", [(37, 4), (64, 8), (5, 8), (1, 1), (100, 3)])
def test_order_is_a_permutation_with_fixed_rows_per_pe(rows, n_pe):
    idx = _skewed(np.random.default_rng(rows), rows, 50)
    order = balanced_row_order(idx, n_pe)
    assert sorted(order.tolist()) == list(range(rows))
    for k in range(n_pe):                         # PE k keeps its local_rows count
        assert len(order[k::n_pe]) == local_rows(rows, n_pe, k)
        assert np.all(np.diff(order[k::n_pe]) > 0)   # network order within a PE


def test_balanced_beats_interleaving_and_meets_the_lpt_bound():
    rng = np.random.default_rng(7)
    idx = _skewed(rng, 256, 300)
    n_pe = 8
    work = row_work(idx)
    plain = np.array([work[k::n_pe].sum() for k in range(n_pe)])
    order = balanced_row_order(idx, n_pe)
    balanced = np.array([work[order[k::n_pe]].sum() for k in range(n_pe)])
    assert balanced.sum() == plain.sum()
    assert balanced.max() < plain.max()
    # Longest processing time first: the busiest PE is within one row of the mean.
    assert balanced.max() <= balanced.mean() + work.max()


def test_column_weights_change_the_work():
    idx = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1]])
    assert row_work(idx).tolist() == [1, 2, 3]
    assert row_work(idx, [1.0, 0.0, 0.5]).tolist() == [1.0, 0.5, 1.5]
    with pytest.raises(ValueError, match="col_weight"):
        row_work(idx, [1.0, -1.0, 0.0])


def test_to_network_order_inverts_the_permutation():
    order = np.array([2, 0, 3, 1])
    stored = np.array([[20, 0, 30, 10]])
    assert to_network_order(stored, order).tolist() == [[0, 10, 20, 30]]
    assert np.array_equal(to_network_order(stored, None), stored)


@pytest.fixture(scope="module")
def pair():
    w = random_network([60, 45, 33, 10], 5)
    layers = [(w[f"W{L}"], w[f"b{L}"]) for L in range(3)]
    cfg = EIEConfig(n_pe=4)
    opts = dict(density=(0.25, 0.3, 0.5))
    plain, _ = compress(layers, cfg, CompressOptions(**opts))
    balanced, _ = compress(layers, cfg, CompressOptions(**opts, balance_rows=True))
    return plain, balanced


def test_balanced_image_computes_the_same_outputs(pair, tmp_path):
    plain, balanced = pair
    assert all(layer.row_order is not None for layer in balanced.layers)
    assert any(not np.array_equal(layer.row_order, np.arange(layer.rows))
               for layer in balanced.layers)
    x = np.random.default_rng(1).integers(-2000, 2000, (25, 60))
    x[:, ::3] = 0
    want, _ = run_golden(plain, x, warn=False)
    got, _ = run_golden(balanced, x, warn=False)
    assert np.array_equal(got, want)
    assert np.array_equal(run_dense(balanced, x), want)
    assert first_mismatch(balanced, x) is None
    write_image(balanced, tmp_path / "b.npz")
    again = read_image(tmp_path / "b.npz")
    assert np.array_equal(again.output_order, balanced.output_order)
    assert np.array_equal(run_golden(again, x, warn=False)[0], want)
    for L in range(3):
        assert np.array_equal(decode_weights(balanced, L, network_order=True),
                              decode_weights(plain, L))


def test_image_rejects_an_order_that_is_not_a_permutation():
    idx = np.array([[1, 0], [0, 2], [3, 0]])
    image = image_from_indices([idx], [np.arange(16)], n_pe=2, row_orders=[[2, 0, 1]])
    validate_image(image)
    image.layers[0].row_order = np.array([0, 0, 1])
    with pytest.raises(ImageError, match="layer 0: row_order must be a permutation"):
        validate_image(image)


def test_image_from_indices_with_orders_matches_the_plain_image():
    rng = np.random.default_rng(3)
    idxs = [_skewed(rng, 20, 12), _skewed(rng, 9, 20)]
    cbs = [np.concatenate([[0], rng.integers(-50, 50, 15)]) for _ in idxs]
    biases = [rng.integers(-100, 100, 20), rng.integers(-100, 100, 9)]
    kw = dict(n_pe=3, shifts=[2, 3], relus=[True, False], biases=biases)
    plain = image_from_indices(idxs, cbs, **kw)
    orders = [rng.permutation(20), balanced_row_order(idxs[1], 3)]
    permuted = image_from_indices(idxs, cbs, row_orders=orders, **kw)
    x = rng.integers(-500, 500, (10, 12))
    assert np.array_equal(run_golden(permuted, x, warn=False)[0],
                          run_golden(plain, x, warn=False)[0])
