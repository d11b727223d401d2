import numpy as np
import pytest
from hypothesis import given, strategies as st

from eie_gen.golden.fixedpoint import round_shift, saturate, to_fixed, wrap, writeback


def ref_wrap(x, bits):
    m = x % (1 << bits)
    return m - (1 << bits) if m >= 1 << (bits - 1) else m


def ref_writeback(acc, shift, relu, bits):
    # Python integers: floor division is the arithmetic shift, no width limit.
    y = (acc + ((1 << (shift - 1)) if shift else 0)) // (1 << shift)
    y = max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, y))
    return max(y, 0) if relu else y


@pytest.mark.parametrize("x, bits, want", [
    (127, 8, 127), (128, 8, -128), (-129, 8, 127), (255, 8, -1), (256, 8, 0),
    ((1 << 31), 32, -(1 << 31)), (-(1 << 31) - 1, 32, (1 << 31) - 1),
])
def test_wrap_edges(x, bits, want):
    assert int(wrap(x, bits)) == want


@given(st.integers(-(1 << 62), (1 << 62)), st.integers(2, 48))
def test_wrap_matches_modular_reference(x, bits):
    assert int(wrap(x, bits)) == ref_wrap(x, bits)


def test_saturate():
    assert saturate([40000, -40000, 5], 16).tolist() == [32767, -32768, 5]


@pytest.mark.parametrize("x, shift, want", [
    (-3, 1, -1),     # -1.5 rounds half up to -1
    (-5, 1, -2),     # -2.5 -> -2
    (-6, 2, -1),     # -1.5 -> -1
    (-7, 2, -2),     # -1.75 -> -2
    (5, 1, 3),       # 2.5 -> 3
    (-1, 4, 0),      # -0.0625 -> 0
    (-8, 4, 0),      # -0.5 -> 0 (half up)
    (-9, 4, -1),
    (7, 0, 7),
])
def test_round_shift_negative_values(x, shift, want):
    assert int(round_shift(x, shift)) == want


def test_writeback_saturates_without_second_wrap():
    top = (1 << 31) - 1
    # acc + rounding overflows 32 bits: done at full width it saturates high, never wraps.
    assert int(writeback(top, 1, False, 16)) == 32767
    assert int(writeback(top, 31, False, 16)) == 1
    assert int(writeback(-(1 << 31), 0, False, 16)) == -32768
    assert int(writeback(-(1 << 31), 0, True, 16)) == 0
    assert int(writeback(-(1 << 31), 16, False, 16)) == -32768


@given(st.integers(-(1 << 47), (1 << 47) - 1), st.integers(0, 31), st.booleans(),
       st.integers(2, 16))
def test_writeback_matches_reference(acc, shift, relu, bits):
    assert int(writeback(acc, shift, relu, bits)) == ref_writeback(acc, shift, relu, bits)


def test_to_fixed_rounds_half_up_and_saturates():
    assert to_fixed([0.5, -0.5, 1.5, -1.5, 0.49], 0, 8).tolist() == [1, 0, 2, -1, 0]
    assert to_fixed([1.0, -1.0, 0.25], 7, 8).tolist() == [127, -128, 32]
