import numpy as np
import pytest

from eie_gen.errors import ImageError
from eie_gen.image import decode_indices, read_image, to_arrays, write_image

from conftest import make_image, random_codebook, random_indices


@pytest.fixture
def image(rng):
    idx = [random_indices(rng, 37, 20, 0.2), random_indices(rng, 9, 37, 0.5)]
    return make_image(idx, [random_codebook(rng), random_codebook(rng)], n_pe=4,
                      shifts=[3, 0], relus=[True, False])


def test_write_read_round_trip(tmp_path, image):
    path = tmp_path / "m.npz"
    write_image(image, path)
    back = read_image(path)
    assert back.n_pe == 4 and back.n_layers == 2 and back.act_bits == 16
    for L in range(2):
        assert (decode_indices(back, L) == decode_indices(image, L)).all()
        assert back.layers[L].shift == image.layers[L].shift
        assert back.layers[L].relu == image.layers[L].relu
    with np.load(path, allow_pickle=False) as npz:   # the SPEC's field names, no pickles
        for name in ("format_version", "n_pe", "entries_per_word", "index_bits", "zrun_bits",
                     "n_layers", "act_scale", "L0_shape", "L0_codebook", "L0_w_scale",
                     "L0_shift", "L0_relu", "L0_bias", "L0_ptr", "L0_entries",
                     "L0_entry_offsets"):
            assert name in npz.files
        assert npz["L0_entries"].dtype == np.uint8
        assert npz["L0_ptr"].shape == (4, 21)
        assert int(npz["format_version"]) == 1


def _write_arrays(tmp_path, arrays):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    return path


def _broken(image, change):
    arrays = to_arrays(image)
    change(arrays)
    return arrays


def _set(name, value):
    def change(a):
        a[name] = value
    return change


def _delete(name):
    def change(a):
        del a[name]
    return change


def _entry_past_last_row(a):
    # PE0 of layer 1 owns rows 0, 4, 8 (3 local rows); make its last entry jump 15 rows (the
    # message names layer 1, PE 0 and the entry's column, whichever that is).
    e = a["L1_entries"].copy()
    end = int(a["L1_entry_offsets"][1])
    assert end > 0
    e[end - 1] = (15 << 4) | 1
    a["L1_entries"] = e


@pytest.mark.parametrize("change, message", [
    (_delete("L0_ptr"), "missing field 'L0_ptr'"),
    (_delete("act_scale"), "missing field 'act_scale'"),
    (_set("format_version", np.array(2)), "unknown format_version 2"),
    (_set("index_bits", np.array(3)), "index_bits must be 4"),
    (_set("L0_codebook", np.arange(1, 17)), "layer 0: codebook[0] must be 0"),
    (_set("L0_shape", np.array([37, 21])), "layer 0: ptr has shape (4, 21), but n_pe = 4 and "
                                           "cols = 21 need (4, 22)"),
    (_set("L1_shape", np.array([9, 36])), "layer 1: takes 36 inputs but layer 0 has 37"),
    (_set("L0_bias", np.full(37, 40000)), "layer 0: bias[0] = 40000 is outside the 16-bit"),
    (_set("L0_shift", np.array(32)), "layer 0: shift must be in 0..31"),
    (_set("L0_entries", np.array([1.5])), "field 'L0_entries' must be integer"),
    (_set("act_scale", np.ones(2)), "act_scale must have n_layers + 1 = 3 values"),
    (_entry_past_last_row, "passes the PE's last local row 2"),
])
def test_validator_rejects(tmp_path, image, change, message):
    path = _write_arrays(tmp_path, _broken(image, change))
    with pytest.raises(ImageError) as exc:
        read_image(path)
    assert message in str(exc.value)
    if change is _entry_past_last_row:
        assert "layer 1: PE 0: column " in str(exc.value)


def _ptr_change(k, fn):
    def change(a):
        p = a["L0_ptr"].copy()
        fn(p[k])
        a["L0_ptr"] = p
    return change


def test_pointer_rules(tmp_path, image):
    cases = [
        (_ptr_change(1, lambda p: p.__setitem__(0, 1)), "layer 0: PE 1: ptr[0] = 1, must be 0"),
        (_ptr_change(2, lambda p: p.__setitem__(-1, p[-1] + 1)), "layer 0: PE 2: ptr[20] ="),
        (_ptr_change(3, lambda p: p.__setitem__(5, p[-1] + 5)),
         "layer 0: PE 3: pointers decrease at column 5"),
    ]
    for change, message in cases:
        path = _write_arrays(tmp_path, _broken(image, change))
        with pytest.raises(ImageError, match=message.replace("[", r"\[").replace("]", r"\]")):
            read_image(path)


def test_not_an_npz(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ImageError, match="is not a readable .npz model image"):
        read_image(path)
    with pytest.raises(ImageError, match="no such file"):
        read_image(tmp_path / "missing.npz")


def test_pickled_object_refused(tmp_path, image):
    arrays = to_arrays(image)
    arrays["L0_bias"] = np.array([object()] * 37, dtype=object)
    path = tmp_path / "pickle.npz"
    np.savez(path, **arrays)
    with pytest.raises(ImageError):
        read_image(path)


def test_invalid_image_is_not_written(tmp_path, image):
    image.layers[0].codebook = np.arange(1, 17)
    path = tmp_path / "out.npz"
    with pytest.raises(ImageError):
        write_image(image, path)
    assert list(tmp_path.iterdir()) == []
