import numpy as np

from eie_gen.compress.report import huffman_bits, huffman_lengths, image_report, to_markdown

from conftest import make_image


def test_huffman_lengths_known_example():
    # counts 5, 2, 1, 1: merge (1,1)->2, (2,2)->4, (4,5)->9 -> lengths 1, 2, 3, 3
    assert huffman_lengths({"a": 5, "b": 2, "c": 1, "d": 1}) == {"a": 1, "b": 2, "c": 3, "d": 3}
    assert huffman_bits([0] * 5 + [1] * 2 + [2, 3]) == 5 + 4 + 3 + 3
    assert huffman_bits([7, 7, 7]) == 3          # one symbol still costs a bit each
    assert huffman_bits([]) == 0


def test_huffman_never_beats_entropy_nor_loses_a_bit():
    rng = np.random.default_rng(0)
    sym = rng.choice(16, size=5000, p=np.r_[0.5, np.full(15, 0.5 / 15)])
    counts = np.bincount(sym, minlength=16)
    p = counts[counts > 0] / sym.size
    entropy = -(p * np.log2(p)).sum() * sym.size
    assert entropy <= huffman_bits(sym) < entropy + sym.size


def test_report_counts_padding_and_balance():
    idx = np.zeros((40, 2), dtype=np.int64)
    idx[32, 0] = 1    # n_pe=2: PE0 local row 16 -> one padding entry
    idx[1, 1] = 2     # PE1 local row 0
    idx[3, 1] = 3     # PE1 local row 1
    image = make_image([idx], [[0] + list(range(1, 16))], n_pe=2)
    rep = image_report(image)
    r = rep["layers"][0]
    assert (r["weights"], r["entries"], r["padding"]) == (3, 4, 1)
    assert r["entries_per_pe"] == [2, 2] and r["load_balance"] == 1.0
    assert r["cycles_dense_input"] == 2
    assert r["bytes"]["raw"] == 40 * 2 * 4
    # quantized: 4 entries x 8 bits + 2 PEs x 3 pointers x 2 bits + 16 x 16-bit codebook
    assert r["bytes"]["quantized"] == (4 * 8 + 2 * 3 * 2 + 256) / 8
    md = to_markdown(rep)
    assert "| 0 | 40×2 |" in md and "Huffman" in md
