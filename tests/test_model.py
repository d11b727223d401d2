import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

from eie_gen.errors import InputError
from eie_gen.golden.model import AccumulatorWrapWarning, first_mismatch, run_dense, run_golden

from conftest import make_image, random_codebook, random_indices


def small_image(relu):
    # W = [[2, 0, -1], [0, 3, 0], [4, 0, 0]] through codebook [0, 2, -1, 3, 4, ...]
    cb = [0, 2, -1, 3, 4] + [0] * 11
    idx = np.array([[1, 0, 2], [0, 3, 0], [4, 0, 0]])
    return make_image([idx], [cb], n_pe=2, shifts=[1], relus=[relu], biases=[[1, 0, -1]])


@pytest.mark.parametrize("relu, want", [(False, [8, -3, 19]), (True, [8, 0, 19])])
def test_hand_computed_layer(relu, want):
    # acc = (bias << 1) + W a = [16, -6, 38]; (acc + 1) >> 1 = [8, -3, 19] (floor of -2.5)
    image = small_image(relu)
    x = np.array([10, -2, 6], dtype=np.int16)
    y, traces = run_golden(image, x, warn=False)
    assert y.tolist() == want
    assert run_dense(image, x).tolist() == want
    # PE0 (rows 0, 2) walks 2 entries in column 0 and 1 in column 2; PE1 one in column 1
    assert traces[0][0].pe_entries.tolist() == [3, 1]
    assert traces[0][0].nonzero_inputs == 3 and traces[0][0].cycles == 3


def test_zero_activations_cost_no_work():
    image = small_image(False)
    y, traces = run_golden(image, np.array([0, 0, 6]), warn=False)
    assert traces[0][0].nonzero_inputs == 1
    assert traces[0][0].pe_entries.tolist() == [1, 0]
    assert y.tolist() == [(2 - 6 + 1) >> 1, 0, (-2 + 1) >> 1]


def test_accumulator_wraps_modulo_2_to_acc_bits():
    cb = [0, 100] + [0] * 14
    image = make_image([np.array([[1]])], [cb], n_pe=1, act_bits=8, weight_bits=8, acc_bits=8)
    with pytest.warns(AccumulatorWrapWarning, match="layer 0: an accumulator can need"):
        y, _ = run_golden(image, np.array([100]))
    assert y.tolist() == [10000 - 39 * 256]        # 10000 mod 256 = 16, in range
    assert run_dense(image, np.array([100])).tolist() == [16]


def test_saturation_at_write_back():
    cb = [0, 32767] + [0] * 14
    image = make_image([np.array([[1, 1]])], [cb], n_pe=1)
    y, _ = run_golden(image, np.array([32767, 32767]), warn=False)
    assert y.tolist() == [32767]
    y, _ = run_golden(image, np.array([-32768, -32768]), warn=False)
    assert y.tolist() == [-32768]


def test_no_warning_when_accumulator_is_wide_enough():
    image = small_image(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_golden(image, np.array([1, 2, 3]))


@st.composite
def networks(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_layers = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 40)) for _ in range(n_layers + 1)]
    n_pe = draw(st.sampled_from([1, 2, 3, 4, 16]))
    act_bits = draw(st.sampled_from([8, 12, 16]))
    weight_bits = draw(st.sampled_from([4, 8, 16]))
    acc_bits = draw(st.sampled_from([act_bits, 24, 32, 40]))
    idx = [random_indices(rng, sizes[L + 1], sizes[L], draw(st.floats(0.0, 1.0)))
           for L in range(n_layers)]
    cbs = [random_codebook(rng, weight_bits) for _ in range(n_layers)]
    lo, hi = -(1 << (act_bits - 1)), (1 << (act_bits - 1))
    biases = [rng.integers(lo, hi, size=sizes[L + 1]) for L in range(n_layers)]
    image = make_image(idx, cbs, n_pe=n_pe, act_bits=act_bits, weight_bits=weight_bits,
                       acc_bits=acc_bits, biases=biases,
                       shifts=[draw(st.integers(0, 31)) for _ in range(n_layers)],
                       relus=[draw(st.booleans()) for _ in range(n_layers)])
    x = rng.integers(lo, hi, size=(draw(st.integers(1, 4)), sizes[0]))
    x[rng.random(x.shape) < draw(st.floats(0.0, 1.0))] = 0
    return image, x


@given(networks())
def test_golden_equals_dense_reference(case):
    image, x = case
    y, traces = run_golden(image, x, warn=False)
    assert y.shape == (x.shape[0], image.output_size)
    assert (y == run_dense(image, x)).all()
    assert len(traces) == x.shape[0] and all(len(t) == image.n_layers for t in traces)


@pytest.mark.parametrize("x, message", [
    (np.zeros(3, dtype=np.float32), "input must hold integers"),
    (np.zeros(4, dtype=np.int16), "input must have shape (3,) or (batch, 3), not (4,)"),
    (np.zeros((2, 2, 3), dtype=np.int16), "not (2, 2, 3)"),
    (np.array([0, 40000, 0]), "input values must fit 16-bit activations"),
])
def test_bad_inputs(x, message):
    with pytest.raises(InputError) as exc:
        run_golden(small_image(False), x)
    assert message in str(exc.value)


def test_batch_shape_is_kept():
    image = small_image(True)
    x = np.array([[10, -2, 6], [0, 0, 0]], dtype=np.int8)
    y, _ = run_golden(image, x, warn=False)
    assert y.tolist() == [[8, 0, 19], [1, 0, 0]]   # zero input: bias only, (2+1)>>1 = 1


def test_first_mismatch_names_layer_pe_row_and_input(monkeypatch):
    image = make_image([np.array([[1, 0], [0, 1], [1, 1]]), np.array([[1, 1, 1]])],
                       [[0, 3] + [0] * 14, [0, 2] + [0] * 14], n_pe=2)
    x = np.array([[1, 2], [3, 4]])
    assert first_mismatch(image, x) is None
    # A walk that goes wrong on one row of one input must be reported with all coordinates.
    from eie_gen.golden import model
    real = model._layer_golden

    def faulty(img, L, a, *walked):
        y, trace = real(img, L, a, *walked)
        if img.layers[L].shape == (3, 2) and a.tolist() == [3, 4]:
            y = y.copy()
            y[2] += 1
        return y, trace

    monkeypatch.setattr(model, "_layer_golden", faulty)
    # layer 0 on input 1: W = [[3, 0], [0, 3], [3, 3]], a = [3, 4] -> row 2 = 21
    assert first_mismatch(image, x) == ("layer 0, PE 0, row 2 (local row 1), input 1: "
                                        "golden 22, dense 21")
