"""The host address map: aligned, non-overlapping windows; and the smallest fitting config."""

import numpy as np
import pytest

from eie_gen.addrmap import ID_FIELDS, address_map
from eie_gen.config import EIEConfig
from eie_gen.image import image_from_indices
from eie_gen.placement import check_fits, config_for_image


@pytest.mark.parametrize("cfg", [EIEConfig(), EIEConfig(n_pe=1, entries_per_word=1),
                                 EIEConfig(n_pe=64, max_layers=64, act_depth=4, ptr_depth=4),
                                 EIEConfig(n_pe=3, entries_per_word=16, weight_bits=24,
                                           acc_bits=48)])
def test_windows_are_aligned_and_disjoint(cfg):
    am = address_map(cfg)
    stride = am.pe_stride
    assert stride & (stride - 1) == 0 and am.pe_base == stride
    control = [(am.id_base, 4 * len(ID_FIELDS)), (am.ctrl_base, 20),
               (am.layer_base, cfg.max_layers * am.layer_stride),
               (am.codebook_base, 64 * cfg.max_layers)]
    spans = sorted(control)
    for (a, n), (b, _) in zip(spans, spans[1:]):
        assert a + n <= b
    assert spans[-1][0] + spans[-1][1] <= am.pe_base
    # Every PE window word decodes back to (PE, window, index) from the address alone.
    for k in (0, cfg.n_pe - 1):
        for name, last in (("ptr", cfg.ptr_depth - 1), ("bias", cfg.bias_depth - 1),
                           ("act", cfg.act_depth - 1)):
            addr = getattr(am, name)(k, last)
            assert addr // stride == k + 1
            assert addr < 1 << am.addr_bits
        top = am.spmat(k, cfg.spmat_words - 1, am.spmat_sub - 1)
        assert top // stride == k + 1 and top % stride < am.bias_off


def test_smallest_config_holds_the_image_and_a_smaller_one_does_not():
    rng = np.random.default_rng(0)
    idx = [rng.integers(0, 16, (40, 30)), rng.integers(0, 16, (10, 40))]
    image = image_from_indices(idx, [np.arange(16)] * 2, n_pe=3)
    cfg = config_for_image(image)
    check_fits(image, cfg)
    assert cfg.n_pe == 3 and cfg.max_layers == 2
    with pytest.raises(Exception, match="matrix entries"):
        check_fits(image, cfg.replace(spmat_words=cfg.spmat_words // 2))
