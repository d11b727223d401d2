import json

import pytest

from eie_gen.config import EIEConfig
from eie_gen.errors import ConfigError


def test_defaults_follow_spec():
    c = EIEConfig()
    assert (c.n_pe, c.index_bits, c.zrun_bits, c.entries_per_word, c.weight_bits, c.act_bits,
            c.acc_bits, c.fifo_depth) == (4, 4, 4, 8, 16, 16, 32, 8)


@pytest.mark.parametrize("words, epw, bits", [(1024, 8, 14), (1, 1, 1), (2, 4, 4), (16384, 8, 18)])
def test_ptr_bits_is_derived_from_capacity(words, epw, bits):
    # ceil(log2(words * epw + 1)): one past the last entry must be representable
    # (EIE's 128 KB of 8-bit entries needs 18 bits, not its 16)
    c = EIEConfig(spmat_words=words, entries_per_word=epw)
    assert c.ptr_bits == bits
    assert (1 << c.ptr_bits) > words * epw >= (1 << (c.ptr_bits - 1)) - 1


def test_derived_values():
    c = EIEConfig(n_pe=16, act_bits=8, weight_bits=12, act_depth=32)
    assert (c.act_min, c.act_max) == (-128, 127)
    assert (c.weight_min, c.weight_max) == (-2048, 2047)
    assert c.codebook_size == 16 and c.entry_bits == 8 and c.word_bits == 64
    assert c.max_zrun == 15 and c.max_vector == 512
    assert [EIEConfig(n_pe=n).lnzd_levels for n in (1, 2, 4, 5, 16, 17, 64)] == \
        [0, 1, 1, 2, 2, 3, 3]


def test_json_round_trip_and_slug():
    c = EIEConfig(n_pe=16, fifo_depth=4, acc_bits=40)
    assert EIEConfig.from_json(c.to_json()) == c
    assert c.slug == "pe16_acc40_f4"
    assert EIEConfig().slug == "pe4"
    assert json.loads(c.to_json())["n_pe"] == 16


@pytest.mark.parametrize("kwargs, message", [
    ({"n_pe": 0}, "n_pe must be in [1, 4096], not 0"),
    ({"index_bits": 3}, "index_bits must be 4 (model image v1), not 3"),
    ({"act_bits": 17}, "act_bits must be in [2, 16], not 17"),
    ({"acc_bits": 12, "act_bits": 16}, "acc_bits (12) must be at least act_bits (16)"),
    ({"fifo_depth": 2.5}, "fifo_depth must be an integer, not 2.5"),
    ({"n_pe": True}, "n_pe must be an integer, not True"),
])
def test_validation_messages(kwargs, message):
    with pytest.raises(ConfigError) as exc:
        EIEConfig(**kwargs)
    assert str(exc.value) == message


def test_frozen():
    with pytest.raises(AttributeError):
        EIEConfig().n_pe = 3


@pytest.mark.parametrize("text, message", [
    ("{", "config is not valid JSON"),
    ("[1]", "a config must be a JSON object, not list"),
    ('{"n_pes": 4}', "unknown config field(s): 'n_pes'"),
    ('{"n_pe": "4"}', "n_pe must be an integer, not '4'"),
])
def test_bad_json(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[")):
        EIEConfig.from_json(text)


def test_load_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        EIEConfig.load(tmp_path / "nope.json")


def test_every_field_has_a_meaning_and_a_row_in_the_page():
    import dataclasses

    from eie_gen.config import MEANING, to_markdown
    names = [f.name for f in dataclasses.fields(EIEConfig)]
    assert set(MEANING) == set(names)
    page = to_markdown()
    assert all(f"| `{n}` |" in page for n in names)
