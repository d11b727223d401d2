import numpy as np
import pytest
from hypothesis import given, strategies as st

from eie_gen.encode import (PAD_ENTRY, codebook_decode, column_lengths, coo_column_lengths,
                           decode_pe, encode_layer, entry_fields, local_rows, pack_words)
from eie_gen.errors import ImageError
from eie_gen.golden.examples import paper_16x8


def test_fig2_column_example():
    # EIE Fig. 2: column [0,0,1,2, 0 x 18, 3] -> v = [1,2,0,3], z = [2,0,15,2]
    col = np.array([0, 0, 1, 2] + [0] * 18 + [3])[:, None]
    ptr, entries, off = encode_layer(col, 1)
    v, z = entry_fields(entries)
    assert v.tolist() == [1, 2, 0, 3]
    assert z.tolist() == [2, 0, 15, 2]
    assert ptr.tolist() == [[0, 4]]
    assert off.tolist() == [0, 4]


def test_paper_pe0_pointer_and_relative_index():
    ptr, entries, off = encode_layer(paper_16x8(), 4)
    assert ptr[0].tolist() == [0, 3, 4, 6, 6, 8, 10, 11, 13]
    v, z = entry_fields(entries[off[0]:off[1]])
    assert z.tolist() == [0, 1, 0, 1, 0, 2, 0, 0, 0, 2, 0, 2, 0]
    assert (v != 0).all()                       # no padding needed in PE0
    # PE1 holds nothing; PE2 holds column 2's W2,2 (local row 0) and W14,2 (local row 3)
    assert ptr[1].tolist() == [0] * 9
    assert ptr[2].tolist() == [0, 0, 0, 2, 2, 2, 2, 2, 2]
    assert entry_fields(entries[off[2]:off[3]])[1].tolist() == [0, 2]


@pytest.mark.parametrize("run, pads, z", [(15, 0, 15), (16, 1, 0), (31, 1, 15), (32, 2, 0),
                                          (0, 0, 0), (47, 2, 15), (48, 3, 0)])
def test_zero_runs_need_g_div_16_padding_entries(run, pads, z):
    col = np.array([0] * run + [5])[:, None]
    _, entries, _ = encode_layer(col, 1)
    v, zz = entry_fields(entries)
    assert v.tolist() == [0] * pads + [5]
    assert zz.tolist() == [15] * pads + [z]
    assert (entries[:pads] == PAD_ENTRY).all()


def test_empty_columns_and_all_zero_layer():
    ptr, entries, off = encode_layer(np.zeros((10, 6), dtype=np.int64), 3)
    assert ptr.shape == (3, 7) and not ptr.any()
    assert entries.size == 0 and off.tolist() == [0, 0, 0, 0]


def test_more_pes_than_rows():
    idx = np.array([[3, 0], [0, 4]])
    ptr, entries, off = encode_layer(idx, 5)
    assert off.tolist() == [0, 1, 2, 2, 2, 2]
    assert ptr[0].tolist() == [0, 1, 1] and ptr[1].tolist() == [0, 0, 1]
    assert local_rows(2, 5, 0) == 1 and local_rows(2, 5, 4) == 0


def roundtrip(idx, n_pe):
    ptr, entries, off = encode_layer(idx, n_pe)
    rows, cols = idx.shape
    out = np.zeros_like(idx)
    for k in range(n_pe):
        e = entries[off[k]:off[k + 1]]
        assert ptr[k, 0] == 0 and ptr[k, -1] == len(e)
        assert (np.diff(ptr[k]) >= 0).all()
        r, c, v = decode_pe(ptr[k], e, local_rows(rows, n_pe, k))
        out[r * n_pe + k, c] = v
    return out


@st.composite
def index_matrices(draw):
    rows = draw(st.integers(1, 80))
    cols = draw(st.integers(1, 12))
    n_pe = draw(st.sampled_from([1, 2, 3, 4, 7, 16]))
    kind = draw(st.sampled_from(["random", "runs", "zero", "dense"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "zero":
        idx = np.zeros((rows, cols), dtype=np.int64)
    elif kind == "dense":
        idx = rng.integers(1, 16, size=(rows, cols))
    elif kind == "random":
        idx = rng.integers(1, 16, size=(rows, cols))
        idx[rng.random((rows, cols)) >= draw(st.floats(0.0, 1.0))] = 0
    else:  # one weight per column after a run of exactly 15/16/31/32/... local zeros
        idx = np.zeros((rows, cols), dtype=np.int64)
        for j in range(cols):
            run = draw(st.sampled_from([15, 16, 17, 31, 32, 33, 47, 48]))
            i = run * n_pe + draw(st.integers(0, n_pe - 1))
            if i < rows:
                idx[i, j] = draw(st.integers(1, 15))
    return idx, n_pe


@given(index_matrices())
def test_encode_decode_round_trip(case):
    idx, n_pe = case
    assert (roundtrip(idx, n_pe) == idx).all()


def test_round_trip_long_runs_with_many_pes():
    idx = np.zeros((16 * 70, 3), dtype=np.int64)
    idx[16 * 15 + 5, 0] = 2     # PE 5, local row 15
    idx[16 * 16 + 5, 1] = 3     # local row 16: one padding entry
    idx[16 * 32 + 5, 2] = 4     # local row 32: two padding entries
    idx[16 * 69 + 15, 2] = 1    # the last row of PE 15
    assert (roundtrip(idx, 16) == idx).all()
    ptr, _, _ = encode_layer(idx, 16)
    assert ptr[5].tolist() == [0, 1, 3, 6]


def test_decode_rejects_running_row_past_last_row():
    entries = np.array([(15 << 4) | 0, (1 << 4) | 3], dtype=np.uint8)  # padding, then row 17
    with pytest.raises(ImageError, match="column 0, entry 1: running row 17 passes the PE's "
                       "last local row 16"):
        decode_pe([0, 2], entries, 17)
    with pytest.raises(ImageError, match="entry 0: running row 15 passes"):
        decode_pe([0, 2], entries, 10)     # the padding entry itself already passes


def test_pack_words_lanes():
    words = pack_words([0x12, 0x34, 0x56], 2)
    assert words == [0x3412, 0x56]
    wide = pack_words(list(range(1, 11)), 10)[0]     # 80-bit word stays exact
    assert wide >> 72 == 10 and wide & 0xFF == 1


def test_codebook_decode():
    cb = np.arange(16) * -3
    assert codebook_decode(cb, [0, 1, 15]).tolist() == [0, -3, -45]


@pytest.mark.parametrize("shape, n_pe, density", [((40, 30), 4, 0.1), ((200, 17), 3, 0.02),
                                                  ((64, 64), 64, 0.3), ((5, 9), 8, 1.0),
                                                  ((300, 4), 1, 0.05)])
def test_coo_column_lengths_equal_the_encoders(shape, n_pe, density):
    rng = np.random.default_rng(shape[0])
    idx = rng.integers(1, 16, shape)
    idx[rng.random(shape) >= density] = 0
    ptr, _, _ = encode_layer(idx, n_pe)
    rows, cols = np.nonzero(idx)
    perm = rng.permutation(rows.size)                 # any order of the positions
    assert np.array_equal(coo_column_lengths(rows[perm], cols[perm], shape, n_pe),
                          column_lengths(ptr))


def test_coo_column_lengths_refuses_bad_positions():
    with pytest.raises(ValueError, match="outside"):
        coo_column_lengths([0, 5], [0, 0], (5, 2), 2)
    with pytest.raises(ValueError, match="twice"):
        coo_column_lengths([1, 1], [0, 0], (5, 2), 2)
