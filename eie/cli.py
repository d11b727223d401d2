"""The ``eie`` command: argument parsing and printing over :mod:`eie_gen.api`; no logic here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
import warnings

from eie_gen.config import EIEConfig
from eie_gen.errors import EIEError

PROG = "eie"


def _density_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or comma-separated list: {text!r}")
    for v in values:
        if not 0.0 < v <= 1.0:
            raise argparse.ArgumentTypeError(f"density must be in (0, 1], not {v}")
    return values


def _sizes(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}")
    if len(values) < 2 or min(values) < 1:
        raise argparse.ArgumentTypeError("need at least two positive sizes, e.g. 784,300,10")
    return values


def _positive_list(what: str):
    def parse(text: str) -> list[int]:
        try:
            values = [int(v) for v in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"not a comma-separated list of integers: {text!r}") from None
        if min(values) < 1:
            raise argparse.ArgumentTypeError(f"{what} must be positive: {text!r}")
        return values
    return parse


_counts = _positive_list("PE counts")
_seeds = _positive_list("seeds")


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed must be 0 or more, not {value}")
    return value


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _add_target(parser, what: str) -> None:
    from eie_gen.hw.targets import TARGETS  # noqa: PLC0415
    parser.add_argument("--target", default="generic", choices=TARGETS,
                        help=f"{what} (default generic; ice40 instantiates nothing yet)")


def _add_config(p: argparse.ArgumentParser, pes_required: bool = False) -> None:
    g = p.add_mutually_exclusive_group(required=pes_required)
    g.add_argument("--pes", type=int, metavar="N", help="number of processing elements "
                   "(other parameters at their defaults)")
    g.add_argument("--config", metavar="CFG.json", help="a full configuration (see "
                   "'eie generate -o DIR' for the resolved one, docs/config.md for fields)")


DATA_DIR_HELP = ("the data set's gzipped IDX files (default: Debian's "
                 "/usr/share/datasets/fashion-mnist, or $EIE_FASHION_MNIST)")


def _add_data(p, data_help: str | None = None) -> None:
    """--data (default fashion-mnist, or no default with ``data_help``) and --data-dir."""
    if data_help:
        p.add_argument("--data", choices=("fashion-mnist",), help=data_help)
    else:
        p.add_argument("--data", choices=("fashion-mnist",), default="fashion-mnist")
    p.add_argument("--data-dir", metavar="DIR", help=DATA_DIR_HELP)


def _config(args) -> EIEConfig:
    if getattr(args, "config", None):
        return EIEConfig.load(args.config)
    if getattr(args, "pes", None) is not None:
        return EIEConfig(n_pe=args.pes)
    return EIEConfig()


def _say(msg: str) -> None:
    from eie_gen.progress import Reporter
    global _REPORTER
    if _REPORTER is None or _REPORTER.stream is not sys.stderr:     # tests swap stderr
        _REPORTER = Reporter(PROG, sys.stderr)
    _REPORTER(msg)


_REPORTER = None


def cmd_compress(args) -> None:
    from eie_gen import api
    image, _ = api.compress(args.weights, args.output, _config(args), density=args.density,
                            calib_path=args.calib, kmeans_iters=args.kmeans_iters,
                            seed=args.seed, data=args.data, data_dir=args.data_dir,
                            recipe_path=args.recipe, report_dir=args.report_dir,
                            balance_rows=args.balance_rows, progress=_say)
    print(f"wrote {args.output}: {image.n_layers} layers on {image.n_pe} PEs")


def cmd_train(args) -> None:
    from eie_gen import api
    acc = api.train(args.output, data=args.data, data_dir=args.data_dir, sizes=args.sizes,
                    epochs=args.epochs, lr=args.lr, batch=args.batch, seed=args.seed,
                    progress=_say)
    print(f"wrote {args.output}: validation accuracy {100 * acc['validation']:.2f}%, test "
          f"accuracy {100 * acc['test']:.2f}%")


def cmd_evaluate(args) -> None:
    from eie_gen import api
    config = EIEConfig.load(args.config) if args.config else None
    rep = api.evaluate(args.model, data=args.data, data_dir=args.data_dir,
                       float_path=args.float, rtl=args.rtl, sim=args.sim, config=config,
                       report_dir=args.report_dir, progress=_say)
    acc = rep["accuracy"]
    line = f"test accuracy: golden {100 * acc['golden_test']:.2f}%"
    if acc["float_test"] is not None:
        line += (f", float {100 * acc['float_test']:.2f}% (loss {acc['loss_points']:.2f} "
                 f"points)")
    print(line)
    print(f"compression: {rep['model']['total']['compression']:.1f}x (raw float32 -> Huffman "
          f"+ pointers + codebooks)")
    if rep["rtl"]:
        r = rep["rtl"]
        print(f"RTL ({r['sim']}): {r['equal_outputs']} of {r['images']} images equal to golden "
              f"bit for bit; {r['equal_predictions']} equal predictions; cycles equal to the "
              f"array model on {rep['cycles']['model_equal']} of {r['images']}")
    if args.report_dir:
        print(f"wrote {args.report_dir}/report.md")


def cmd_run(args) -> None:
    from eie_gen import api
    config = EIEConfig.load(args.config) if args.config else None
    y, cycles, predicted = api.run(args.model, args.input, args.output, sim=args.sim,
                                   check=args.check, config=config,
                                   cycles_path=args.cycles, backdoor=args.backdoor,
                                   progress=_say, waves=args.waves, target=args.target)
    if args.check:
        what = "the golden model equals the dense reference" + (
            f" and the {args.sim} RTL equals golden" if args.sim != "golden" else "")
        print(f"checked: {what} bit for bit on {len(cycles)} input(s)")
    for n, (c, p) in enumerate(zip(cycles, predicted)):
        if args.sim == "golden":
            print(f"input {n}: {c} cycles (array cycle model)")
        else:
            print(f"input {n}: {c} cycles on the {args.sim} RTL (model: {p})")
    print(f"wrote {args.output}: int16 array of shape {y.shape}")
    if args.waves:
        dump = next(p for p in sorted(Path(args.waves).glob("eie_top.*")) if p.suffix != ".gtkw")
        print(f"wrote {dump} and {Path(args.waves) / 'eie_top.gtkw'} (gtkwave "
              f"{Path(args.waves) / 'eie_top.gtkw'})")


def cmd_report(args) -> None:
    from eie_gen import api
    _, md = api.report(args.model, args.json, args.md)
    print(md, end="")


def cmd_generate(args) -> None:
    from eie_gen import api
    for path in api.generate(_config(args), args.output, top=args.top, target=args.target):
        print(f"wrote {path}")


def cmd_export(args) -> None:
    from eie_gen import api
    config = EIEConfig.load(args.config) if args.config else None
    n = api.export(args.model, args.output, config)
    print(f"wrote {args.output}: {n} bus writes (eie_model_writes)")


def cmd_synth(args) -> None:
    from eie_gen import api
    rep = api.synth(_config(args), args.target, args.output, top=args.top, seeds=args.seeds,
                    breakdown=args.breakdown, progress=_say, generic=args.generic,
                    speed=args.speed, router=args.router, placer=args.placer)
    r = rep["resources"]
    fmax = f"{rep['fmax_mhz']:.1f} MHz" if rep["fmax_mhz"] else "n/a (no open P&R)"
    if rep["fmax_mhz"] and rep.get("speed_grade"):
        fmax += f" (speed grade {rep['speed_grade']})"
    print(f"{rep['top']} on {rep['device']}: LUT {r['lut']}, FF {r['ff']}, carry {r['carry']}, "
          f"BRAM {r['bram']}, DSP {r['dsp']}, LUT-RAM {r['lutram']}; Fmax {fmax}")
    for note in rep.get("pnr_notes") or []:
        print(f"note: {note}")
    if args.breakdown:
        from eie_gen.synth.breakdown import to_markdown
        print(to_markdown(rep["breakdown"]), end="")
        print(f"wrote {args.output} and {Path(args.output).with_suffix('.md')}")
    else:
        print(f"wrote {args.output}")


def cmd_synth_sweep(args) -> None:
    from eie_gen import api
    res = api.synth_sweep(args.output, doc=args.doc, targets=args.targets, pes=args.pes,
                          seeds=args.seeds, jobs=args.jobs, pnr_timeout=args.pnr_timeout,
                          reuse=not args.fresh, progress=_say, scheduler=args.scheduler,
                          speeds=args.speeds)
    fit = sum(r["fits"] for r in res["runs"])
    print(f"{fit} of {len(res['runs'])} configurations fit their device "
          f"({res['wall_s']:.0f} s on {res['jobs']} jobs, {res['executor']})")
    print(f"wrote {args.output}/results.json, results.md, synthesis.png"
          + (f" and {args.doc}" if args.doc else ""))


def cmd_bench(args) -> None:
    from eie_gen import api
    res = api.bench(args.output, _config(args), seeds=args.seeds, doc=args.doc,
                    doc_plots=args.doc_plots, sections=args.only, scale=args.scale,
                    rtl_layers=args.rtl_layers, render_only=args.render_only, progress=_say)
    for r in res.get("rtl", []):
        print(f"RTL {r['layer']} on {r['n_pe']} PEs ({r['sim']}): {r['rtl_cycles']} cycles, "
              f"model {r['model_cycles']}; bit-exact {'yes' if r['bit_exact'] else 'NO'}, "
              f"cycle-exact {'yes' if r['cycle_exact'] else 'NO'}")
    pe = res.get("pe")
    if pe:
        print(f"PE throughput on long columns: {pe['long_column_entries_per_cycle']:.4f} "
              f"entries per cycle (target {pe['target']})")
    print(f"wrote {args.output}/results.json and results.md"
          + (f", and {args.doc}" if args.doc else ""))

def cmd_random_net(args) -> None:
    from eie_gen import api
    api.random_weights(args.sizes, args.output, seed=args.seed)
    print(f"wrote {args.output}: random float network {' -> '.join(map(str, args.sizes))}")


def cmd_random_input(args) -> None:
    from eie_gen import api
    x = api.random_input(args.model, args.output, batch=args.batch, density=args.density,
                         seed=args.seed)
    print(f"wrote {args.output}: int16 inputs of shape {x.shape}, "
          f"{100 * (x != 0).mean():.0f}% non-zero")


def cmd_formal(args) -> None:
    from eie_gen import api
    res = api.formal(args.output, args.only, progress=_say)
    for r in res["proofs"]:
        secs = sum(m["seconds"] for m in r["modes"].values())
        print(f"{r['name']}: {' and '.join(r['modes'])} PASS ({secs:.1f} s)")
    print(f"wrote {args.output}/results.json and results.md")


def cmd_regress(args) -> None:
    from eie_gen import api
    res = api.regress(args.output, sims=args.sims, seeds=args.seeds, n_cases=args.cases,
                      max_size=args.max_size, jobs=args.jobs, scheduler=args.scheduler,
                      progress=_say)
    print(f"{len(res['runs'])} regressions passed ({res['wall_s']:.0f} s on {res['jobs']} "
          f"jobs, {res['executor']}); wrote {args.output}/results.json and results.md")


def cmd_docs(args) -> None:
    from eie_gen.reference import write_reference
    for path in write_reference(build_parser(), args.output):
        print(f"wrote {path}")


def cmd_status(args) -> None:
    from eie_gen.hw.tops import TOPS
    print("Built: Deep Compression (compress/: prune, share, report), the model image "
          "(encode/decode/validate), the golden model (bit-exact run, PE and array cycle "
          "models); RTL: " + ", ".join(TOPS) + " (generate, cocotb on Icarus and "
          "Verilator, synth for ecp5/ice40/xilinx); 'eie run' on the Amaranth simulator, "
          "Icarus and Verilator through the AXI4-Lite driver; 'eie bench' (the paper's layers, "
          "sweeps, CPU baselines; make bench); 'eie synth-sweep' "
          "(make synth); Fashion-MNIST end to end: 'eie train', 'eie compress --data' (Deep "
          "Compression with retraining), 'eie evaluate' (make demo); 'eie formal' (proofs of "
          "the queue, LNZD leaf/node/tree and AXI port; make formal); 'eie run --waves' "
          "(waveform and GTKWave save file); 'eie generate' integration files and 'eie "
          "export' (C); 'eie docs' (make docs); synth-sweep --scheduler (Dask); 'eie synth "
          "--breakdown' (resources per unit). One import root: eie_gen.")


def build_parser() -> argparse.ArgumentParser:
    # The names in the help come from their registries (imported here: Amaranth, ~0.3 s).
    from eie_gen.bench.run import SECTIONS
    from eie_gen.formal.proofs import PROOFS
    from eie_gen.sim.regress import GRID_CONFIGS
    pes = [str(c.n_pe) for c in GRID_CONFIGS]
    grid_pes = ", ".join(pes[:-1]) + " and " + pes[-1]
    p = argparse.ArgumentParser(
        prog=PROG, description="EIE accelerator generator: compress a network (Deep "
        "Compression), run it on the bit-exact golden model, generate and synthesize the RTL.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("compress", help="prune, share weights and encode a float network",
                       description="Prune each layer to a density by magnitude, share its "
                       "weights through a 16-entry codebook (k-means, index 0 = zero), choose "
                       "fixed point from calibration data and write a model image (SPEC §2).")
    c.add_argument("weights", help="float arrays W0, b0, W1, b1, ... in an .npz (W_L is rows x "
                   "cols; a missing b_L means zero bias)")
    c.add_argument("-o", "--output", required=True, metavar="MODEL.npz")
    _add_config(c, pes_required=True)
    c.add_argument("--density", type=_density_list, metavar="D[,D...]",
                   help="fraction of weights kept, 0 < D <= 1: one value or one per layer "
                   "(default: keep every non-zero weight)")
    c.add_argument("--calib", metavar="X.npy", help="float inputs (batch x inputs) that set "
                   "the activation fixed point (default: 256 uniform inputs in [-1, 1])")
    c.add_argument("--kmeans-iters", type=int, default=None, metavar="N",
                   help="Lloyd iterations of the weight-sharing k-means (default 30)")
    c.add_argument("--balance-rows", action="store_true", default=None,
                   help="load-aware row assignment: permute each layer's rows across the PEs "
                   "to balance their work (stored in the image as L<n>_row_order; the golden "
                   "model and the driver return outputs in the network's order)")
    c.add_argument("--seed", type=_seed, default=0)
    d = c.add_argument_group("Deep Compression with retraining (needs --data)")
    _add_data(d, "retrain on this data set: sensitivity analysis, iterative pruning with "
              "retraining, k-means with centroid fine-tuning, activation calibration, and the "
              "recipe's options (QAT, L1, distillation, DSD)")
    d.add_argument("--recipe", metavar="RECIPE.json", help="pipeline settings (see "
                   "configs/lenet-300-100.json and docs/compression.md); --density and "
                   "--kmeans-iters override it")
    d.add_argument("--report-dir", metavar="DIR", help="write compress.json, "
                   "sensitivity.csv/.png and weights.png here")
    c.set_defaults(func=cmd_compress)

    t = sub.add_parser("train", help="train a float MLP on Fashion-MNIST (numpy)",
                       description="Train a ReLU MLP (SGD with momentum, cosine learning "
                       "rate) on a data set and write its float weights W0, b0, ... as an "
                       ".npz for 'eie compress'.")
    t.add_argument("-o", "--output", required=True, metavar="WEIGHTS.npz")
    _add_data(t)
    t.add_argument("--sizes", type=_sizes, default=[784, 300, 100, 10], metavar="N,N,...",
                   help="layer sizes (default LeNet-300-100: 784,300,100,10)")
    t.add_argument("--epochs", type=int, default=15)
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--seed", type=_seed, default=0)
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="accuracy of a compressed classifier on golden and RTL",
                       description="Classify the whole test set with the bit-exact golden "
                       "model, the first N test images on the generated RTL (which must "
                       "equal golden bit for bit, and its cycles the array model), and write "
                       "a report (Markdown, JSON, PNG).")
    e.add_argument("model", metavar="MODEL.npz")
    _add_data(e)
    e.add_argument("--float", metavar="WEIGHTS.npz", help="the float network the model was "
                   "compressed from (for the accuracy loss)")
    e.add_argument("--rtl", type=int, default=0, metavar="N",
                   help="run the first N test images on the RTL (default 0: golden only)")
    e.add_argument("--sim", choices=("verilator", "icarus", "amaranth"), default="verilator")
    e.add_argument("--config", metavar="CFG.json", help="accelerator configuration (default: "
                   "the smallest that holds the model)")
    e.add_argument("--report-dir", metavar="DIR", help="write report.md, report.json and "
                   "load.png here (folding in compress.json from 'eie compress --report-dir')")
    e.set_defaults(func=cmd_evaluate)

    r = sub.add_parser("run", help="run a model image on raw integer inputs",
                       description="Run MODEL on X (raw integer activations, shape (n,) or "
                       "(batch, n)); write Y as int16 with X's leading shape and print the "
                       "cycles per input.")
    r.add_argument("model", metavar="MODEL.npz")
    r.add_argument("--input", required=True, metavar="X.npy")
    r.add_argument("-o", "--output", required=True, metavar="Y.npy")
    r.add_argument("--sim", default="golden", choices=("golden", "amaranth", "icarus",
                   "verilator"), help="golden model (default, cycles from the array cycle "
                   "model) or the generated eie_top in a simulator (cycles from the core)")
    r.add_argument("--config", metavar="CFG.json", help="the accelerator to run on (default: "
                   "the smallest that holds the model, capacities rounded up to powers of 2)")
    r.add_argument("--check", action="store_true", help="also run the dense numpy reference "
                   "layer by layer, and compare RTL outputs with golden; fail on the first "
                   "difference (names layer, PE, row, input)")
    r.add_argument("--cycles", metavar="CYCLES.json", help="also write each input's cycle "
                   "count and the array model's prediction as JSON")
    r.add_argument("--backdoor", action="store_true", help="icarus/verilator: write the PEs' "
                   "pointer, matrix and bias memories straight into the simulator instead of "
                   "through AXI4-Lite (a large model loads in seconds, not hours)")
    r.add_argument("--waves", metavar="DIR", help="RTL simulators: write the run's waveform "
                   "to DIR (eie_top.fst from icarus, eie_top.vcd from verilator and amaranth) "
                   "and DIR/eie_top.gtkw, a GTKWave save file with the signals grouped per PE "
                   "(queue, pointer, entry, accumulator) and for the AXI port, control unit "
                   "and LNZD tree")
    _add_target(r, "icarus/verilator: the netlist to run (a target's with our simulation "
                "models of its primitives)")
    r.set_defaults(func=cmd_run)

    rp = sub.add_parser("report", help="sizes, padding, bits per weight, cycles, load balance",
                        description="Per-layer density, padding, bits per weight, sizes "
                        "(raw, pruned, quantized, Huffman), ideal cycles and load balance, as "
                        "Markdown on stdout and optionally JSON/Markdown files.")
    rp.add_argument("model", metavar="MODEL.npz")
    rp.add_argument("--json", metavar="REPORT.json")
    rp.add_argument("--md", metavar="REPORT.md")
    rp.set_defaults(func=cmd_report)

    g = sub.add_parser("generate", help="write Verilog and the resolved config",
                       description="Write DIR/<top>.v and DIR/config.json; for a target "
                       "that instantiates vendor primitives also DIR/sim_models/ (our "
                       "simulation models of them, for simulators only).")
    _add_config(g)
    _add_target(g, "the netlist: generic instantiates no vendor primitive, ecp5 a "
                "true dual-port DP16KD for each PE's pointers (one block RAM, not two)")
    g.add_argument("--top", default="eie_top", help="design to generate: eie_top (the "
                   "accelerator, default) or a unit: pe, codebook")
    g.add_argument("-o", "--output", required=True, metavar="DIR")
    g.set_defaults(func=cmd_generate)

    x = sub.add_parser("export", help="the bus writes that load a model, as a C header",
                       description="Write OUT.h: static const uint32_t eie_model_writes[N][2] "
                       "of (byte offset from the core's base, 32-bit word), the writes that "
                       "load MODEL into eie_top, in order. For a host CPU that is not the "
                       "Python driver; with eie_regs.h from 'eie generate' (the inputs, START "
                       "and DONE: docs/integration.md).")
    x.add_argument("model", metavar="MODEL.npz")
    x.add_argument("--config", metavar="CFG.json", help="the accelerator it will run on "
                   "(default: the smallest that holds the model); must match the generated "
                   "core")
    x.add_argument("-o", "--output", required=True, metavar="OUT.h")
    x.set_defaults(func=cmd_export)

    s = sub.add_parser("synth", help="area and Fmax with Yosys and nextpnr",
                       description="Synthesize with Yosys (YoWASP) and, for ecp5 and ice40, "
                       "place and route with nextpnr; write cell counts and Fmax (median "
                       "over seeds) to REPORT.json.")
    _add_config(s)
    s.add_argument("--target", required=True, choices=("ecp5", "ice40", "xilinx"))
    s.add_argument("--top", default="eie_top", help="design: eie_top or a unit: pe, codebook")
    s.add_argument("--seeds", type=int, default=3, help="place-and-route seeds (default 3)")
    s.add_argument("--speed", choices=("6", "8"), help="ecp5: the speed grade nextpnr times "
                   "(default 6, nextpnr's; ULX3S and Colorlight boards carry -6 parts, "
                   "Versa-5G, ButterStick and ECPIX-5 -8)")
    s.add_argument("--router", choices=("router1", "router2"), help="nextpnr's router "
                   "(default router1, nextpnr's: the better Fmax where it converges; router2 "
                   "routes congested designs, such as 64 PEs on the 85F, that router1 does not)")
    s.add_argument("--placer", choices=("heap", "static"), help="nextpnr's placer (default "
                   "heap, nextpnr's; static places nearly full devices, such as 64 PEs on the "
                   "85F, where heap's legaliser runs for hours)")
    s.add_argument("--generic", action="store_true", help="synthesize the generic netlist "
                   "(no instantiated primitives) instead of the target's")
    s.add_argument("--breakdown", action="store_true", help="also resources per unit, from a "
                   "synthesis that keeps the hierarchy: in REPORT.json, printed, and as a "
                   "table in REPORT.md")
    s.add_argument("-o", "--output", required=True, metavar="REPORT.json")
    s.set_defaults(func=cmd_synth)

    w = sub.add_parser("synth-sweep", help="synthesize eie_top over PE counts (make synth)",
                       description="Synthesize eie_top for each target and PE count, in "
                       "parallel; place and route on ecp5 and ice40. A configuration that "
                       "does not fit its device is reported (naming the resource), and larger "
                       "ones are not tried. Writes DIR/results.json, results.md and "
                       "synthesis.png, and with --doc a Markdown page with its PNG beside it.")
    w.add_argument("--targets", type=_names, default=None, metavar="T1,T2",
                   help="targets (default: ecp5,ice40,xilinx)")
    w.add_argument("--pes", type=_counts, default=None, metavar="N1,N2,...",
                   help="PE counts (default 1,2,4,8,16,32,64; from 32 on one seed and four "
                   "times the --pnr-timeout)")
    w.add_argument("--speeds", type=_names, default=None, metavar="6,8",
                   help="ECP5 speed grades nextpnr times, each its own series (default 6; "
                   "make synth: 6,8)")
    w.add_argument("--seeds", type=int, default=3, help="place-and-route seeds (default 3)")
    w.add_argument("--jobs", type=int, default=None,
                   help="parallel synthesis runs (default: one per core)")
    w.add_argument("--scheduler", metavar="ADDR", help="run the jobs on a Dask distributed "
                   "cluster (tcp://host:8786; pip install 'eie-gen[cluster]'; the workers need "
                   "this package and the output directory on a shared file system) instead "
                   "of local processes")
    w.add_argument("--pnr-timeout", type=float, default=1500.0, metavar="S",
                   help="stop a place-and-route seed after S seconds and skip the later "
                   "seeds of that configuration (default 1500; 16 PEs on ECP5 need ~900)")
    w.add_argument("--fresh", action="store_true", help="rerun every configuration (by "
                   "default a report saved in DIR is reused when the hardware sources, "
                   "tools, config and settings are unchanged)")
    w.add_argument("--doc", metavar="PAGE.md", help="also write this Markdown page (and "
                   "PAGE.png and PAGE.json, the results, beside it), e.g. docs/synthesis.md")
    w.add_argument("-o", "--output", required=True, metavar="DIR")
    w.set_defaults(func=cmd_synth_sweep)

    b = sub.add_parser("bench", help="benchmarks: the paper's layers, sweeps, CPU baselines, "
                       "simulators, one PE (make bench)",
                       description="The EIE paper's nine layers at 64 PEs on the cycle model "
                       "(three row orders), FIFO-depth and PE-count sweeps, numpy/scipy CPU "
                       "baselines on the same layers, one LFE5U-85F (the largest core 'make "
                       "synth' routed: which layers and whether the demo network fit, their "
                       "times against the CPU), a sparse 1x1 convolution through 'eie "
                       "run', paper layers on the Verilator core, simulator speeds, and one "
                       "PE's throughput and ECP5 cost. Writes DIR/results.json, results.md and "
                       "PNG plots; --doc also writes the page (make bench: BENCHMARKS.md). "
                       "About 30 minutes in all, most of it Verilator builds of 64 PEs.")
    _add_config(b)
    b.add_argument("--seeds", type=int, default=3, help="place-and-route seeds for the PE "
                   "section (default 3)")
    b.add_argument("--only", type=_names, default=None, metavar="S1,S2",
                   help=f"sections to run (default all): {', '.join(SECTIONS)}")
    b.add_argument("--scale", type=float, default=1.0, help="shrink the paper's layers by "
                   "this factor, 0 < S <= 1 (quick looks; default 1)")
    b.add_argument("--rtl-layers", type=_names, default=None, metavar="L1,L2",
                   help="paper layers for the RTL section (default Alex-8,NT-We)")
    b.add_argument("--doc", metavar="PAGE.md", help="also write this page, e.g. BENCHMARKS.md")
    b.add_argument("--doc-plots", metavar="DIR", help="where the page's plots and results.json "
                   "go (default: beside the page)")
    b.add_argument("--render-only", action="store_true", help="measure nothing: write the page "
                   "and plots again from DIR/results.json (e.g. after 'make synth' measured a "
                   "new ECP5 Fmax)")
    b.add_argument("-o", "--output", required=True, metavar="DIR")
    b.set_defaults(func=cmd_bench)

    f = sub.add_parser("formal", help="formal proofs of the queue, LNZD leaf/node/tree and "
                       "AXI4-Lite port (make formal)",
                       description="Prove each unit's properties with SymbiYosys and Yices "
                       "(k-induction: every reachable state; the whole LNZD tree: every run of "
                       "16 cycles, a whole layer) and reach its cover goals; "
                       "write DIR/results.json and results.md. Exits non-zero naming a "
                       "failed proof (its counterexample trace is under DIR).")
    f.add_argument("--only", type=_names, default=None, metavar="P1,P2",
                   help=f"proofs to run (default all): {', '.join(PROOFS)}")
    f.add_argument("-o", "--output", required=True, metavar="DIR")
    f.set_defaults(func=cmd_formal)

    g = sub.add_parser("regress", help="the RTL regression grid, on every core or a Dask "
                       "cluster (make regress)",
                       description="Run random and adversarial models (bit-exact against "
                       "golden, cycle-exact against the array model) on eie_top for every "
                       f"simulator, configuration ({grid_pes} PEs) and seed, each an "
                       "independent job. Writes DIR/results.json and results.md; a failure "
                       "names layer, PE, row and input, the replay and its waveform.")
    g.add_argument("--sims", type=_names, default=["icarus", "verilator"], metavar="S1,S2",
                   help="simulators (default icarus,verilator)")
    g.add_argument("--seeds", type=_seeds, default=[1], metavar="N1,N2,...",
                   help="seeds, one regression each (default 1)")
    g.add_argument("--cases", type=int, default=8, help="models per regression (default 8)")
    g.add_argument("--max-size", type=int, default=64, help="largest layer side (default 64)")
    g.add_argument("--jobs", type=int, default=None, help="regressions at once (default: one "
                   "per core, or per cluster thread)")
    g.add_argument("--scheduler", metavar="ADDR", help="run on a Dask distributed cluster "
                   "(tcp://host:8786; pip install 'eie-gen[cluster]'; workers need this "
                   "package, the simulators and DIR on a shared file system)")
    g.add_argument("-o", "--output", required=True, metavar="DIR")
    g.set_defaults(func=cmd_regress)

    d = sub.add_parser("docs", help="write the generated reference pages (make docs)",
                       description="Write DIR/cli.md (every subcommand's help) and "
                       "DIR/design/<unit>.md (each hardware unit's contract, latency, resources "
                       "and ports, from its docstring and signature) with DIR/design/README.md.")
    d.add_argument("-o", "--output", required=True, metavar="DIR")
    d.set_defaults(func=cmd_docs)

    n = sub.add_parser("random-net", help="write a random float network (for trying things)")
    n.add_argument("--sizes", type=_sizes, required=True, metavar="IN,H1,...,OUT")
    n.add_argument("--seed", type=_seed, default=0)
    n.add_argument("-o", "--output", required=True, metavar="WEIGHTS.npz")
    n.set_defaults(func=cmd_random_net)

    i = sub.add_parser("random-input", help="write random raw inputs for a model image")
    i.add_argument("model", metavar="MODEL.npz")
    i.add_argument("--batch", type=int, default=1)
    i.add_argument("--density", type=float, default=0.5, help="fraction of non-zero inputs")
    i.add_argument("--seed", type=_seed, default=0)
    i.add_argument("-o", "--output", required=True, metavar="X.npy")
    i.set_defaults(func=cmd_random_input)

    st = sub.add_parser("status", help="say what is built and what is not yet")
    st.set_defaults(func=cmd_status)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:          # --help (0) or a usage error (2): a code, not a raise
        return int(exc.code or 0)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            args.func(args)
        for w in caught:
            _say(f"warning: {w.message}")
    except EIEError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
