"""Write-back: bias, rounding shift, saturation and ReLU from accumulators to activations."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import (SHIFT_BITS, BankWriteSignature, RegReadSignature,
                                RowClearSignature, acc_shape, shift_masks_layout)

__all__ = ["WriteBack", "shift_right"]


def shift_right(value, amount, width: int, *, fill: bool = True, steps=None):
    """``(value >> amount)[:width]`` of a signed ``value``, as a log shifter whose largest
    step comes first, each stage keeping only the bits the later stages can still bring
    down (Yosys' shifter takes the smallest step first and keeps every bit: a third more
    multiplexers for 17 of 33 bits). With ``fill=False`` the bits shifted in from above
    ``value`` are left undefined, and cost no multiplexer. ``steps``: only these bits of
    ``amount`` (a shift split across pipeline stages; default all)."""
    bits, sign = [value[i] for i in range(len(value))], value[-1]
    for b in sorted(range(len(amount)) if steps is None else steps, reverse=True):
        step = 1 << b
        at = lambda i, bits=bits: bits[i] if i < len(bits) else sign    # noqa: E731
        n = width + step - 1 if fill else min(width + step - 1, len(bits))
        bits = [Mux(amount[b], at(i + step), at(i)) if fill or i + step < len(bits)
                else bits[i] for i in range(n)]
    return Cat(*bits[:width])


class WriteBack(EIEComponent):
    """Rewrite rows ``0 .. n_rows-1`` of the destination bank in place with the layer's outputs.

    For each row: ``t = wrap(acc + (bias[bias_base + r] << shift))``, then
    ``y = clamp((t + 2**(shift-1)) >> shift)`` into ``act_bits`` (no rounding add when
    ``shift`` is 0) and ``y = max(y, 0)`` with ``relu`` (SPEC §3). The accumulators start the
    layer at zero (the bank is cleared) and the bias joins here: modulo ``2**acc_bits`` that is
    the same as starting from ``bias << shift``. The bias is not shifted: ``t``'s bits from
    ``shift`` up are ``(acc >> shift) + bias`` modulo ``2**(acc_bits - shift)`` and its lower
    bits are ``acc``'s, so ``t >> shift`` is that sum sign-extended from its top bit ``p``
    (one shifter, of the accumulator). The rounding uses
    ``(t + 2**(s-1)) >> s == ((t >> (s-1)) + 1) >> 1``, so no carry leaves ``acc_bits``, and
    the shift and the rounding add sit in different stages.

    Contract: a ``start`` pulse (while idle) with ``n_rows``, ``shift``, ``masks``
    (:func:`~eie_gen.hw.layouts.shift_masks` of ``shift``, which the control unit decodes
    once for every PE), ``relu`` and ``bias_base`` steady until ``busy`` falls. Row ``r``'s
    accumulator is read once, then zeroed (``acc_clr``, the cycle after its read) for the
    next layer; its output is written to activation row ``r`` (``act_wr``, with ``flag`` =
    ``y != 0``). The biases are read from the activation store (``bias_rd``); the write-back
    is its only reader while it runs.

    Members
    -------
    start : In(1)
    n_rows : In(unsigned(row_bits + 1))
    shift : In(unsigned(5))
    masks : In(shift_masks_layout)
    relu : In(1)
    bias_base : In(unsigned(bias_addr_bits))
    acc_rd : Out(RegReadSignature(row_bits, signed(acc_bits))), through the memory's output
    register, as ``bias_rd``
    acc_clr : Out(RowClearSignature(row_bits))
    bias_rd : Out(RegReadSignature(bias_addr_bits, signed(act_bits))), through the memory's
    output register: the bias arrives beside the registered accumulator.
    act_wr : Out(BankWriteSignature(row_bits, signed(act_bits)))
    busy : Out(1)

    Latency: ``n_rows + 8`` cycles from ``start`` to ``busy`` low (0 for ``n_rows`` = 0): read,
    register, shift the accumulator, add the bias, range test and sign, round, saturate and
    ReLU, write; one row a cycle.
    Resources: a barrel shifter of ``acc_bits + 1`` bits (no fill), an ``acc_bits`` and an
    ``act_bits + 1`` adder, an ``acc_bits - act_bits`` pair range test, a one-hot sign select
    and ``act_bits - 1`` sign-extension muxes (their masks are the control unit's), the
    saturation, three counters.
    """

    summary = "bias, shift, ReLU and write-back of a layer's outputs"
    waves = {"write-back":
             ["start", "acc_rd__addr", "act_wr__en", "act_wr__addr", "busy"]}

    latency = 8

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "start": In(1),
            "n_rows": In(unsigned(cfg.row_bits + 1)),
            "shift": In(unsigned(SHIFT_BITS)),
            "masks": In(shift_masks_layout(cfg)),
            "relu": In(1),
            "bias_base": In(unsigned(cfg.bias_addr_bits)),
            "acc_rd": Out(RegReadSignature(cfg.row_bits, acc_shape(cfg))),
            "acc_clr": Out(RowClearSignature(cfg.row_bits)),
            "bias_rd": Out(RegReadSignature(cfg.bias_addr_bits, signed(cfg.act_bits))),
            "act_wr": Out(BankWriteSignature(cfg.row_bits, signed(cfg.act_bits))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        A, K = cfg.acc_bits, cfg.act_bits
        m = Module()

        running, row = self._walk(m)

        # Stage B: accumulator and bias in registers (block RAM outputs are slow): the
        # memories' output registers, on ECP5 the DP16KDs' own.
        b_valid = Signal()
        b_row = Signal(cfg.row_bits)
        m.d.sync += [b_valid.eq(running), b_row.eq(row)]
        acc_q = self.acc_rd.data
        bias_q = self.bias_rd.data
        m.d.comb += [self.acc_rd.oce.eq(1), self.bias_rd.oce.eq(1)]
        m.d.comb += [self.acc_clr.en.eq(b_valid), self.acc_clr.addr.eq(b_row)]

        # Stage C: x = 2 acc >> shift: x[0] is the rounding bit, acc[shift - 1] (0 at shift
        # 0); x[1:] is acc >> shift, its bits past acc's top left undefined (they fall
        # outside the width kept below). One shifter, of the accumulator, where shifting the
        # bias up and the sum back down took two.
        # The shifter's three large steps here, the last two before the add: five multiplexer
        # levels behind the block RAM's pins were the 1-PE critical path.
        c_valid = Signal()
        c_row = Signal(cfg.row_bits)
        x_c = Signal(A + 1)
        bias_c = Signal(signed(K))
        big, small = range(2, SHIFT_BITS), range(2)
        m.d.sync += [c_valid.eq(b_valid), c_row.eq(b_row), bias_c.eq(bias_q),
                     x_c.eq(shift_right(Cat(Const(0, 1), acc_q), self.shift, A + 1,
                                        fill=False, steps=big))]
        x = shift_right(x_c, self.shift, A + 1, fill=False, steps=small)

        # Stage C2: t = wrap(acc + bias << shift) is Cat(acc[:shift], s2) with s2 = (acc >>
        # shift) + bias modulo 2**(A - shift), so t >> shift is s2 sign-extended from bit
        # p = A - 1 - shift: the bias is added where the accumulator lands, not shifted.
        c2_valid = Signal()
        c2_row = Signal(cfg.row_bits)
        s2 = Signal(A)
        r2 = Signal()
        m.d.sync += [c2_valid.eq(c_valid), c2_row.eq(c_row), s2.eq(x[1:] + bias_c),
                     r2.eq(x[0])]

        # Stage D: whether t >> shift fits act_bits + 1 bits with the rounding bit (s2's bits
        # act_bits - 1 .. p all equal), and its sign, s2[p].
        fits_mask, keep, sign, zero = (self.masks[n] for n in ("fits", "keep", "sign", "zero"))
        d_valid = Signal()
        d_row = Signal(cfg.row_bits)
        d_s = Signal(K)
        d_r, fits, neg = Signal(), Signal(), Signal()
        top_first = Cat(s2[i] for i in reversed(range(A)))      # bit `shift` is s2[p]
        same = Cat(s2[K - 1 + j] == s2[K + j] for j in range(A - K))
        m.d.sync += [d_valid.eq(c2_valid), d_row.eq(c2_row), d_s.eq(Mux(zero, 0, s2[:K])),
                     d_r.eq(r2 & ~zero), fits.eq((same | ~fits_mask).all() | zero),
                     neg.eq((top_first[:len(sign)] & sign).any() & ~zero)]

        # Stage E: sign-extend from p (shifts past acc_bits - act_bits leave fewer than
        # act_bits bits) and round: the rounding add is act_bits + 1 wide and carries out only
        # from act_max, which saturates.
        e_valid = Signal()
        e_row = Signal(cfg.row_bits)
        h = Cat(d_s[0], *(Mux(keep[i - 1], d_s[i], neg) for i in range(1, K)))
        v = Signal(signed(K + 1))
        m.d.comb += v.eq(Cat(d_r, h))
        f_valid = Signal()
        f_row = Signal(cfg.row_bits)
        rounded = Signal(signed(K + 1))
        f_fits, f_neg = Signal(), Signal()
        m.d.sync += [f_valid.eq(e_valid), f_row.eq(e_row),
                     rounded.eq((v + (self.shift != 0)) >> 1), f_fits.eq(fits), f_neg.eq(neg)]
        m.d.sync += [e_valid.eq(d_valid), e_row.eq(d_row)]

        g_valid = self._saturate(m, rounded, f_fits, f_neg, f_valid, f_row)
        m.d.comb += self.busy.eq(running | b_valid | c_valid | c2_valid | d_valid | e_valid
                                 | f_valid | g_valid)
        return m

    def _walk(self, m):
        """Stage A: walk the rows, reading accumulator and bias. Counters only: the bias
        address counts beside the row, and the rows left count down to a compare with 0
        (`bias_base + row` before the RAM and `row + 1 == n_rows` were the 8-PE paths)."""
        cfg = self.config
        running = Signal()
        row = Signal(cfg.row_bits + 1)
        bias_addr = Signal(cfg.bias_addr_bits)
        left = Signal(cfg.row_bits + 1)             # rows after this one
        m.d.comb += [
            self.acc_rd.addr.eq(row), self.acc_rd.en.eq(running),
            self.bias_rd.addr.eq(bias_addr), self.bias_rd.en.eq(running),
        ]
        with m.If(self.start & (self.n_rows != 0)):
            m.d.sync += [running.eq(1), row.eq(0), bias_addr.eq(self.bias_base),
                         left.eq(self.n_rows - 1)]
        with m.Elif(running):
            m.d.sync += [row.eq(row + 1), bias_addr.eq(bias_addr + 1), left.eq(left - 1)]
            with m.If(left == 0):
                m.d.sync += running.eq(0)
        return running, row

    def _saturate(self, m, rounded, fits, neg, f_valid, f_row):
        """Stage F: saturate (in range iff the rest fits and the top two bits agree: no
        comparator; out of range the sign is ``rounded``'s, or ``t``'s where the rest did not
        fit), ReLU, into the write register; stage G writes."""
        cfg = self.config
        top = rounded[cfg.act_bits - 1:]
        in_range = Signal()
        negative = Signal()
        m.d.comb += [in_range.eq(fits & ((top == 0) | (top == 3))),
                     negative.eq(Mux(fits, rounded[-1], neg))]
        y = Signal(signed(cfg.act_bits))
        with m.If(in_range):
            m.d.comb += y.eq(rounded)
        with m.Elif(negative):
            m.d.comb += y.eq(cfg.act_min)
        with m.Else():
            m.d.comb += y.eq(cfg.act_max)
        out = Signal(signed(cfg.act_bits))
        m.d.comb += out.eq(Mux(self.relu & y[-1], 0, y))
        g_valid = Signal()
        g_row = Signal(cfg.row_bits)
        g_out = Signal.like(out)
        g_flag = Signal()
        # out != 0 without waiting for the saturation: a saturated value is never 0, and the
        # saturation keeps the sign (that chain into the flag was the 8-PE critical path).
        nonzero = Mux(in_range, (rounded != 0) & ~(self.relu & rounded[-1]),
                      ~(self.relu & negative))
        m.d.sync += [g_valid.eq(f_valid), g_row.eq(f_row), g_out.eq(out), g_flag.eq(nonzero)]
        m.d.comb += [
            self.act_wr.en.eq(g_valid), self.act_wr.addr.eq(g_row), self.act_wr.data.eq(g_out),
            self.act_wr.flag.eq(g_flag),
        ]
        return g_valid
