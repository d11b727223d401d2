"""Run a model image on the generated eie_top: in the Amaranth simulator, or on Icarus or
Verilator through cocotb (with cocotbext-axi). Both go through
:class:`eie_gen.sim.driver.EIEDriver`."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.image import ModelImage, write_image

from eie_gen.sim.driver import EIEDriver
from eie_gen.sim.runner import SimulationFailed, run_cocotb

__all__ = ["run_rtl", "run_amaranth", "RTL_SIMS"]

RTL_SIMS = ("amaranth", "icarus", "verilator")


def run_amaranth(image: ModelImage, config: EIEConfig, xs: np.ndarray,
                 stats: dict | None = None, waves=None):
    """``(y, cycles)`` of ``xs`` on eie_top in the Amaranth simulator; ``stats`` (a dict)
    receives ``clock_cycles`` simulated (loading included) and ``seconds`` of simulation.
    ``waves`` (a directory): write ``eie_top.vcd`` and ``eie_top.gtkw`` there."""
    from eie_gen.hw.eie_top import EIETop  # noqa: PLC0415 (slow import)
    from eie_gen.sim.amaranth import simulate  # noqa: PLC0415
    from eie_gen.sim.bfm.axil import AmaranthAXILite  # noqa: PLC0415
    from eie_gen.sim.io import AmaranthIO  # noqa: PLC0415

    ticks = [0]

    class CountingIO(AmaranthIO):
        async def tick(self):
            ticks[0] += 1
            await super().tick()

    dut = EIETop(config)
    out = {}

    async def bench(ctx):
        drv = EIEDriver(AmaranthAXILite(CountingIO(ctx, dut)))
        await drv.discover()
        await drv.load(image)
        out["y"], out["cycles"] = await drv.run(xs)

    start = time.perf_counter()
    if waves is None:
        simulate(dut, bench)
    else:
        from eie_gen.hw.tops import to_verilog  # noqa: PLC0415
        from eie_gen.sim.waves import write_gtkw  # noqa: PLC0415
        out_dir = Path(waves)
        out_dir.mkdir(parents=True, exist_ok=True)
        simulate(dut, bench, vcd=out_dir / "eie_top.vcd")
        write_gtkw(out_dir / "eie_top.gtkw", out_dir / "eie_top.vcd", config,
                   to_verilog("eie_top", config), "amaranth")
    if stats is not None:
        stats.update(clock_cycles=ticks[0], seconds=time.perf_counter() - start)
    return out["y"], out["cycles"]


def _keep_waves(build: Path, out_dir: Path, config: EIEConfig, sim: str) -> None:
    import shutil  # noqa: PLC0415

    from eie_gen.sim.waves import find_dump, write_gtkw  # noqa: PLC0415
    dump = find_dump(build, sim)
    if dump is None:
        raise SimulationFailed(f"{sim} wrote no waveform in {build}")
    out_dir.mkdir(parents=True, exist_ok=True)
    kept = out_dir / f"eie_top{dump.suffix}"
    shutil.copyfile(dump, kept)
    write_gtkw(out_dir / "eie_top.gtkw", kept, config, (build / "eie_top.v").read_text(), sim)


def run_rtl(image: ModelImage, config: EIEConfig, xs: np.ndarray, sim: str, build_dir,
            progress=None, backdoor: bool = False, waves=None, target: str = "generic"):
    """``(y, cycles)`` of ``xs`` ((batch, n) raw inputs) on eie_top generated for ``config``
    and ``target`` (icarus and verilator run a target's netlist with our primitive models;
    the Amaranth simulator runs the generic design only).
    ``backdoor``: load the PEs' memories straight into the simulator (icarus, verilator).
    ``waves`` (a directory): write the run's waveform there (``eie_top.fst`` from Icarus,
    ``eie_top.vcd`` from Verilator and the Amaranth simulator) with ``eie_top.gtkw``, a
    GTKWave save file grouping the signals per PE (:mod:`eie_gen.sim.waves`)."""
    say = progress or (lambda msg: None)
    xs = np.asarray(xs, dtype=np.int64)
    if sim == "amaranth":
        if target != "generic":
            raise InputError(f"the Amaranth simulator runs the generic netlist only; run "
                             f"--target {target} on icarus or verilator")
        say(f"amaranth: simulating eie_top ({config.slug}) for {len(xs)} input(s)")
        return run_amaranth(image, config, xs, waves=waves)
    build = Path(build_dir).resolve()
    build.mkdir(parents=True, exist_ok=True)
    model, inputs, result = build / "model.npz", build / "x.npy", build / "result.npz"
    progress_file = build / "progress.txt"
    write_image(image, model)
    np.save(inputs, xs, allow_pickle=False)
    dumps = [build / n for n in ("eie_top.fst", "dump.vcd", "dump.fst")]
    for stale in (result, progress_file, *(dumps if waves is not None else ())):
        if stale.exists():
            stale.unlink()
    say(f"{sim}: building and running eie_top ({config.slug}) for {len(xs)} input(s)")
    done = threading.Event()

    def report():            # the simulator writes "load k n" per PE, then "k n" per input
        last, t0 = None, time.monotonic()
        while not done.wait(10.0):
            try:
                now = progress_file.read_text().split()
            except OSError:
                continue
            if now and now != last:
                last = now
                what = (f"image loaded into {now[1]} of {now[2]} PEs [{now[1]}/{now[2]}]"
                        if now[0] == "load" and len(now) == 3
                        else f"inputs done [{now[0]}/{now[1]}]")
                say(f"{sim}: {what}")

    watcher = threading.Thread(target=report, daemon=True)
    watcher.start()
    try:
        run_cocotb("eie_top", config, sim, "eie_gen.sim.tb.run", build,
                   extra_env={"EIE_RUN_MODEL": str(model), "EIE_RUN_INPUT": str(inputs),
                              "EIE_RUN_OUTPUT": str(result),
                              "EIE_RUN_PROGRESS": str(progress_file),
                              "EIE_RUN_BACKDOOR": "1" if backdoor else "0"}, quiet=True,
                   waves=waves is not None, target=target)
    finally:
        done.set()
        watcher.join()
    if waves is not None:
        _keep_waves(build, Path(waves), config, sim)
    with np.load(result, allow_pickle=False) as data:
        return data["y"], [int(c) for c in data["cycles"]]
