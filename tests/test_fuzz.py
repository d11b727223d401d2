"""Fuzzing every input boundary (issue #8): the model image reader and validator, the weights
reader, config loading and the CLI. Whatever the input, the outcome is a valid result or the
project's own error with a one-line reason: never another exception, never a traceback, never
a partial output file.

Cases per test: ``EIE_FUZZ_EXAMPLES`` (default 150 in 'make test'; 'make regress' runs 25 000
per test, over 100 000 in all). Hypothesis prints the failing example for replay.
"""

import io
import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from eie_gen.cli import main
from eie_gen.compress.deep import read_weights
from eie_gen.config import EIEConfig
from eie_gen.errors import EIEError
from eie_gen.image import read_image, to_arrays, validate_image
from eie_gen.golden.model import run_golden
from tests.conftest import make_image, random_codebook, random_indices

EXAMPLES = int(os.environ.get("EIE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=list(HealthCheck))


def _base_arrays():
    rng = np.random.default_rng(11)
    image = make_image([random_indices(rng, 9, 7, 0.4), random_indices(rng, 5, 9, 0.5)],
                       [random_codebook(rng), random_codebook(rng)], n_pe=3,
                       shifts=[4, 6], relus=[True, False],
                       biases=[rng.integers(-50, 50, 9), rng.integers(-50, 50, 5)],
                       row_orders=[rng.permutation(9), None])
    return to_arrays(image)


BASE = _base_arrays()
KEYS = sorted(BASE)

# One mutation of one field: a value changed, a shape changed, a dtype changed, dropped.
values = st.one_of(
    st.integers(-(1 << 40), 1 << 40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 255, 256, 15, 16, 31, 32, 4, 8]),
)
mutation = st.tuples(st.sampled_from(KEYS),
                     st.sampled_from(["set", "resize", "dtype", "drop", "junk", "scalar"]),
                     st.integers(0, 10 ** 6), values)


def _mutate(arrays, key, how, where, value):
    a = dict(arrays)
    if key not in a:
        return a
    v = np.array(a[key])
    if how == "drop":
        del a[key]
    elif how == "set" and v.size:
        flat = v.astype(np.float64 if isinstance(value, float) else v.dtype, copy=True)
        flat = flat.reshape(-1)
        try:
            flat[where % flat.size] = value
        except (OverflowError, ValueError):
            flat[where % flat.size] = 0
        a[key] = flat.reshape(v.shape)
    elif how == "resize":
        a[key] = np.resize(v.reshape(-1), max(0, v.size + (where % 5) - 2))
    elif how == "dtype":
        try:
            with np.errstate(invalid="ignore"):
                a[key] = v.astype([np.float32, np.int8, np.uint8, np.bool_, np.str_][where % 5])
        except (ValueError, OverflowError):          # not representable: leave it
            pass
    elif how == "junk":
        a[f"junk{where % 3}"] = np.array(value)
    elif how == "scalar":
        a[key] = np.array(value)
    return a


def _npz(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _outcome_of_image(path):
    """Read ``path``; a valid image must also run. Returns 'ok' or 'refused'."""
    try:
        image = read_image(path)
    except EIEError as e:
        assert "\n" not in str(e).strip(), str(e)
        return "refused"
    validate_image(image)
    run_golden(image, np.zeros(image.input_size, dtype=np.int64), warn=False)
    return "ok"


@FUZZ
@given(st.lists(mutation, min_size=1, max_size=3))
def test_image_reader_survives_mutated_fields(tmp_path_factory, muts):
    arrays = BASE
    for m in muts:
        arrays = _mutate(arrays, *m)
    path = tmp_path_factory.mktemp("img") / "m.npz"
    path.write_bytes(_npz(arrays))
    _outcome_of_image(path)


@FUZZ
@given(st.integers(0, 10 ** 9), st.integers(1, 64), st.sampled_from(["flip", "cut", "zero"]))
def test_image_reader_survives_corrupt_files(tmp_path_factory, where, n, how):
    data = bytearray(_npz(BASE))
    at = where % len(data)
    if how == "flip":
        for k in range(n):
            data[(at + k) % len(data)] ^= 0xA5
    elif how == "cut":
        del data[at:]
    else:
        data[at:at + n] = bytes(min(n, len(data) - at))
    path = tmp_path_factory.mktemp("img") / "m.npz"
    path.write_bytes(bytes(data))
    _outcome_of_image(path)


weights_arrays = st.dictionaries(
    st.sampled_from(["W0", "b0", "W1", "b1", "W2", "x", "W01", "b"]),
    st.one_of(
        st.builds(lambda r, c, s: np.random.default_rng(s).normal(size=(r, c)),
                  st.integers(0, 6), st.integers(0, 6), st.integers(0, 99)),
        st.builds(lambda n, s: np.random.default_rng(s).normal(size=n),
                  st.integers(0, 6), st.integers(0, 99)),
        st.builds(np.array, values),
        st.just(np.array(["a", "b"])),
        st.just(np.full((2, 2), np.nan)),
    ), max_size=5)


@FUZZ
@given(weights_arrays)
def test_weights_reader_refuses_or_reads(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("w") / "w.npz"
    path.write_bytes(_npz(arrays))
    try:
        layers = read_weights(path)
    except EIEError as e:
        assert "\n" not in str(e).strip()
        return
    for L, (w, b) in enumerate(layers):
        assert w.ndim == 2 and b.shape == (w.shape[0],)
        assert np.isfinite(w).all() and np.isfinite(b).all()
        if L:
            assert w.shape[1] == layers[L - 1][0].shape[0]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(1 << 70), 1 << 70),
              st.floats(allow_nan=False), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6)
config_keys = st.sampled_from(list(EIEConfig().to_dict()) + ["bogus", "N_PE", ""])


@FUZZ
@given(st.one_of(st.dictionaries(config_keys, st.one_of(json_values, st.integers(-5, 70000)),
                                 max_size=6),
                 json_values))
def test_config_loading_refuses_or_accepts(data):
    text = json.dumps(data)
    try:
        cfg = EIEConfig.from_json(text)
    except EIEError as e:
        assert "\n" not in str(e).strip()
        return
    assert EIEConfig.from_json(cfg.to_json()) == cfg          # a valid one round-trips


@FUZZ
@given(st.binary(max_size=200))
def test_config_file_of_any_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "c.json"
    path.write_bytes(data)
    try:
        EIEConfig.load(path)
    except EIEError as e:
        assert "\n" not in str(e).strip()


# The CLI: subcommands with flags whose values are drawn from good and bad ones; the files
# named are real (a model, weights, inputs), missing, of the wrong kind, or directories.
FILES = ["model", "weights", "input", "missing", "dir", "text", "cfg", "badcfg"]
flag_values = st.one_of(st.sampled_from(FILES), st.sampled_from(
    ["0", "1", "-3", "2", "0.5", "1.5", "abc", "", "4,4", "nan", "1e9", "ecp5", "golden", "x"]))
COMMANDS = {
    "compress": (["weights"], ["--pes", "--density", "--calib", "--kmeans-iters", "--config",
                               "--seed"]),
    "run": (["model"], ["--input", "--sim", "--config"]),
    "report": (["model"], ["--json", "--md"]),
    "export": (["model"], ["--config"]),
    "random-input": (["model"], ["--batch", "--density", "--seed"]),
    "random-net": ([], ["--sizes", "--seed"]),
    "generate": ([], ["--pes", "--config", "--top"]),
    "evaluate": (["model"], ["--rtl", "--sim", "--float", "--data-dir"]),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    main(["random-net", "--sizes", "12,8,3", "-o", str(d / "weights.npz")])
    main(["compress", str(d / "weights.npz"), "-o", str(d / "model.npz"), "--pes", "2",
          "--density", "0.5"])
    main(["random-input", str(d / "model.npz"), "-o", str(d / "input.npy")])
    (d / "text.txt").write_text("not an array\n")
    (d / "cfg.json").write_text(EIEConfig(n_pe=2).to_json())
    (d / "badcfg.json").write_text('{"n_pe": -1}')
    (d / "adir").mkdir()
    return {"model": d / "model.npz", "weights": d / "weights.npz", "input": d / "input.npy",
            "missing": d / "nope.npz", "dir": d / "adir", "text": d / "text.txt",
            "cfg": d / "cfg.json", "badcfg": d / "badcfg.json"}


@FUZZ
@given(st.sampled_from(sorted(COMMANDS)), st.data())
def test_cli_never_tracebacks_or_half_writes(files, tmp_path_factory, capsys, command, data):
    positional, flags = COMMANDS[command]
    out = tmp_path_factory.mktemp("out") / "result.out"
    argv = [command]
    for p in positional:
        argv.append(str(files.get(data.draw(st.sampled_from([p, *FILES])), "x")))
    for flag in data.draw(st.lists(st.sampled_from(flags), max_size=3, unique=True)):
        v = data.draw(flag_values)
        argv += [flag, str(files.get(v, v))]
    argv += ["-o", str(out)]
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc in (0, 2), (argv, rc, err)
    assert "Traceback" not in err, (argv, err)
    if rc == 2:
        errors = [line for line in err.splitlines() if "error:" in line]
        assert len(errors) == 1, (argv, err)
        assert not out.exists() or out.is_dir(), (argv, "output written on failure")


def test_corrupt_zip_members_are_refused(tmp_path):
    # A valid zip whose member is not an .npy at all.
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("n_pe.npy", b"garbage")
    with pytest.raises(EIEError):
        read_image(path)
