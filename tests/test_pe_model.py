"""The PE cycle model on cases worked out by hand from the pipeline in hw/pe.py (its RTL
agreement is tested in test_hw_pe.py and test_sim_pe.py)."""

import pytest

from eie_gen.golden.pe_model import pe_cycles, writeback_cycles


def test_nothing_broadcast_costs_nothing():
    assert pe_cycles([], 8).cycles == 0


@pytest.mark.parametrize("length", [1, 2, 8, 9, 100])
def test_one_column(length):
    # queue in cycle 0, pointer pop (the memory's latch) 1, its output register 2, the column
    # register 3, matrix read takes it 4, entries issued 5 .. 4 + length, last accumulation
    # written 7 cycles later: idle from length + 12.
    assert pe_cycles([length], 8).cycles == length + 12


def test_one_column_without_entries():
    # popped in cycle 1, in the output register 2, dropped on its way into the column
    # register in cycle 3: idle from 4.
    assert pe_cycles([0], 8).cycles == 4


@pytest.mark.parametrize("depth", [2, 8])
def test_single_entry_columns_flow_one_per_cycle(depth):
    assert pe_cycles([1] * 50, depth).cycles == 50 + 12


def test_a_queue_of_one_takes_a_broadcast_every_other_cycle():
    # A full queue refuses a push even in the cycle it pops (no combinational path from the
    # PE back to the broadcast), so with depth 1 pop i is at 2i + 1 and the last entry issues
    # at 2n + 3.
    assert pe_cycles([1] * 50, 1).cycles == 2 * 50 + 11


def test_long_columns_keep_the_pe_busy():
    t = pe_cycles([64] * 64, 8)
    assert t.cycles == 64 * 64 + 12
    assert t.utilisation > 0.99


def test_a_long_column_fills_the_queue_and_stalls_the_broadcast():
    # Broadcast 0 (100 entries) is taken by the matrix read in cycle 4 and walks until cycle
    # 104. Broadcast 1 waits in the column register, 2 in the memory's output register, 3 in
    # its latch, 4 and 5 fill the queue of 2, and 6 enters only after 4 is popped, in cycle
    # 104 (when the matrix read takes 1 and every stage moves up).
    t = pe_cycles([100] + [5] * 6, 2)
    assert t.accept.tolist() == [0, 1, 2, 3, 4, 5, 105]
    assert t.pop.tolist()[:5] == [1, 2, 3, 4, 104]
    assert t.cycles == 100 + 6 * 5 + 12         # no bubble between the columns


def test_gaps_delay_offers():
    # Offered in cycle 3 (accepted at once), popped 4, output register 5, column register 6,
    # taken 7, issued 8; the second is offered 5 idle cycles after cycle 3's acceptance: 9,
    # then 10, 11, 12, 13, issued 14 and idle 8 cycles after its issue.
    t = pe_cycles([1, 1], 8, gaps=[3, 5])
    assert t.accept.tolist() == [3, 9]
    assert t.cycles == 22


def test_gap_count_must_match():
    with pytest.raises(ValueError, match="3 gaps for 2 broadcasts"):
        pe_cycles([1, 1], 8, gaps=[0, 0, 0])


def test_writeback_cycles():
    assert writeback_cycles(0) == 0
    assert writeback_cycles(64) == 72
