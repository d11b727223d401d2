"""ECP5 DP16KD block RAMs as a true dual-port memory or a 36-bit simple dual-port one, with
output registers: the tiles a target netlist instantiates, and the fabric register that
stands in for a tile's on other targets.

Not a unit: the pointer, matrix and accumulator memories
(:class:`~eie_gen.hw.ptr_mem.PointerMemory`, :class:`~eie_gen.hw.matrix_mem.MatrixMemory`,
:class:`~eie_gen.hw.accumulators.Accumulators`) build their ``ecp5`` netlists with it. The
simulation model is ``sim/models/ecp5/DP16KD.v`` (``scripts/gen_dp16kd_model.py``).
"""

from amaranth.hdl import Cat, ClockSignal, Const, Instance, Module, Signal

__all__ = ["X36_DEPTH", "dp16kd_geometry", "dp16kd_tiles", "dp16kd_x36", "output_register"]

# DP16KD data widths and the word-address bits below each one's address (AD[13:k]).
_DP16KD_MODES = ((18, 4), (9, 3), (4, 2), (2, 1), (1, 0))


def dp16kd_geometry(width: int, depth: int):
    """``(mode_width, k, instances)``: the widest DP16KD mode that is ``depth`` deep, and how
    many side by side hold ``width`` bits; None when no mode is deep enough."""
    for mode, k in _DP16KD_MODES:
        if depth <= 16384 >> k:
            return mode, k, -(-width // mode)
    return None


def dp16kd_tiles(width: int, depth: int, wr, a, b) -> Module:
    """DP16KD tiles of ``dp16kd_geometry(width, depth)``, named ``tile0``, ``tile1``, ...:
    port A the write ``wr`` (``en``, ``data``; its address is ``a.addr``) and the read ``a``,
    port B the read ``b`` (``en``, ``addr``, ``data``). A read port with an ``oce``
    (:class:`~eie_gen.hw.layouts.RegReadSignature`) reads through the tile's output register
    (REGMODE OUTREG) enabled by it; one without reads the latch (NOREG). WRITEMODE NORMAL
    (a port's latch holds during its own write)."""
    mode, k, instances = dp16kd_geometry(width, depth)
    m = Module()
    data = Cat(wr.data, Const(0, mode * instances - width))
    outs = {p: [] for p in "AB"}
    regmode = {p: "OUTREG" if hasattr(port, "oce") else "NOREG" for p, port in (("A", a), ("B", b))}
    for n in range(instances):
        ports = {}
        # At width 18 AD1/AD0 are the write's byte enables: both bytes on port A, which
        # writes; 0 on port B, which never does (as Yosys ties them).
        for p, port, en, be in (("A", a, a.en | wr.en, 0b11), ("B", b, b.en, 0)):
            ad = Cat(Const(be if mode == 18 else 0, k), port.addr, Const(0, 14))[:14]
            do = Signal(18, name=f"do{p.lower()}{n}")
            outs[p].append(do[:mode])
            ports.update({f"i_AD{p}{i}": ad[i] for i in range(14)})
            ports.update({f"o_DO{p}{i}": do[i] for i in range(18)})
            ports.update({f"i_CLK{p}": ClockSignal("sync"), f"i_CE{p}": en,
                          f"i_OCE{p}": getattr(port, "oce", Const(1)), f"i_RST{p}": Const(0),
                          **{f"i_CS{p}{i}": Const(0) for i in range(3)}})
        word = data[n * mode:(n + 1) * mode]
        ports.update({f"i_DIA{i}": word[i] if i < mode else Const(0) for i in range(18)})
        ports.update({f"i_DIB{i}": Const(0) for i in range(18)})
        ports.update({"i_WEA": wr.en, "i_WEB": Const(0)})
        m.submodules[f"tile{n}"] = Instance(
            "DP16KD", p_DATA_WIDTH_A=mode, p_DATA_WIDTH_B=mode, p_REGMODE_A=regmode["A"],
            p_REGMODE_B=regmode["B"], p_WRITEMODE_A="NORMAL", p_WRITEMODE_B="NORMAL",
            p_CSDECODE_A="0b000", p_CSDECODE_B="0b000", p_GSR="AUTO", **ports)
    m.d.comb += [a.data.eq(Cat(*outs["A"])[:len(a.data)]),
                 b.data.eq(Cat(*outs["B"])[:len(b.data)])]
    return m


X36_DEPTH = 512      # the simple dual-port mode: 512 words of 36 bits


def dp16kd_x36(width: int, wr, rd) -> Module:
    """One DP16KD in its 512 x 36 simple dual-port mode, as Yosys maps a memory of one write
    and one read port (techlibs/lattice/brams_map_16kd.v): port A writes ``wr`` (``en``,
    ``addr``, ``data``; ``width`` <= 36 bits; ``en`` drives the byte enables), port B
    reads ``rd`` (``en``, ``addr``, ``data``), through the output registers (REGMODE
    OUTREG on both ports, whose pins carry the low and the high 18 bits) enabled by
    ``rd.oce`` when it has one, else from the latch (NOREG)."""
    m = Module()
    regmode = "OUTREG" if hasattr(rd, "oce") else "NOREG"
    oce = getattr(rd, "oce", Const(1))
    data = Cat(wr.data, Const(0, 36 - width))
    # As Yosys drives it: port A always writing, its four byte enables the write strobe.
    ada = Cat(wr.en, wr.en, wr.en, wr.en, Const(0, 1), wr.addr, Const(0, 14))[:14]
    adb = Cat(Const(0, 5), rd.addr, Const(0, 14))[:14]
    do = Signal(36)
    ports = {f"i_ADA{i}": ada[i] for i in range(14)}
    ports.update({f"i_ADB{i}": adb[i] for i in range(14)})
    ports.update({f"i_DIA{i}": data[i] for i in range(18)})
    ports.update({f"i_DIB{i}": data[18 + i] for i in range(18)})
    ports.update({f"o_DOA{i}": do[i] for i in range(18)})
    ports.update({f"o_DOB{i}": do[18 + i] for i in range(18)})
    for p, ce, we in (("A", Const(1), Const(1)), ("B", rd.en, Const(0))):
        ports.update({f"i_CLK{p}": ClockSignal("sync"), f"i_CE{p}": ce, f"i_WE{p}": we,
                      f"i_OCE{p}": oce, f"i_RST{p}": Const(0),
                      **{f"i_CS{p}{i}": Const(0) for i in range(3)}})
    m.submodules.tile = Instance(
        "DP16KD", p_DATA_WIDTH_A=36, p_DATA_WIDTH_B=36, p_REGMODE_A=regmode,
        p_REGMODE_B=regmode, p_WRITEMODE_A="NORMAL", p_WRITEMODE_B="NORMAL",
        p_CSDECODE_A="0b000", p_CSDECODE_B="0b000", p_GSR="AUTO", **ports)
    m.d.comb += rd.data.eq(do[:width])
    return m


def output_register(m: Module, latch, port) -> None:
    """The output register of ``port`` (a :class:`~eie_gen.hw.layouts.RegReadSignature`) in
    fabric, after an Amaranth memory read port whose data is ``latch``: what a DP16KD tile's
    REGMODE OUTREG does, for the targets and depths that do not instantiate one."""
    with m.If(port.oce):
        m.d.sync += port.data.eq(latch)
