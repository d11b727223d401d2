"""The PE cycle model on cases worked out by hand from the pipeline in hw/pe.py (its RTL
agreement is tested in test_hw_pe.py and test_sim_pe.py)."""

import pytest

from golden.pe_model import pe_cycles, writeback_cycles


def test_nothing_broadcast_costs_nothing():
    assert pe_cycles([], 8).cycles == 0


@pytest.mark.parametrize("length", [1, 2, 8, 9, 100])
def test_one_column(length):
    # queue in cycle 0, pointer pop 1, matrix read takes it 2, entries issued 3 .. 2 + length,
    # last accumulation written 4 cycles later: idle from length + 7.
    assert pe_cycles([length], 8).cycles == length + 7


def test_one_column_without_entries():
    # popped in cycle 1, dropped by the pointer stage in cycle 2: idle from 3.
    assert pe_cycles([0], 8).cycles == 3


@pytest.mark.parametrize("depth", [2, 8])
def test_single_entry_columns_flow_one_per_cycle(depth):
    assert pe_cycles([1] * 50, depth).cycles == 50 + 7


def test_a_queue_of_one_takes_a_broadcast_every_other_cycle():
    # A full queue refuses a push even in the cycle it pops (no combinational path from the
    # PE back to the broadcast), so with depth 1 pop i is at 2i + 1 and the last entry issues
    # at 2n + 1.
    assert pe_cycles([1] * 50, 1).cycles == 2 * 50 + 6


def test_long_columns_keep_the_pe_busy():
    t = pe_cycles([64] * 64, 8)
    assert t.cycles == 64 * 64 + 7
    assert t.utilisation > 0.99


def test_a_long_column_fills_the_queue_and_stalls_the_broadcast():
    # Broadcast 0 (100 entries) is taken by the matrix read in cycle 2 and walks until cycle
    # 102. Broadcast 1 waits in the pointer stage, 2 and 3 fill the queue of 2, and 4 enters
    # only after 2 is popped, in cycle 102.
    t = pe_cycles([100, 5, 5, 5, 5], 2)
    assert t.accept.tolist() == [0, 1, 2, 3, 103]
    assert t.cycles == 100 + 4 * 5 + 7          # no bubble between the columns


def test_gaps_delay_offers():
    t = pe_cycles([1, 1], 8, gaps=[3, 5])
    assert t.accept.tolist() == [3, 3 + 1 + 5]
    assert t.cycles == t.accept[-1] + 1 + 1 + 1 + 5     # pop, take, issue, drain


def test_gap_count_must_match():
    with pytest.raises(ValueError, match="3 gaps for 2 broadcasts"):
        pe_cycles([1, 1], 8, gaps=[0, 0, 0])


def test_writeback_cycles():
    assert writeback_cycles(0) == 0
    assert writeback_cycles(64) == 68
