# Every target sets up what it needs (venv, pinned packages, simulators) and wraps the CLI.
VENV  ?= .venv
PY    := $(VENV)/bin/python
EIE   := $(VENV)/bin/eie
STAMP := $(VENV)/.installed
DEMO  := build/demo
PES   ?= 4
DEMO_RTL ?= 200
WAVES ?= 0
JOBS  ?= auto

.PHONY: setup test demo verilog synth regress bench formal docs clean help
help:
	@echo "make demo | test | verilog | synth | regress | bench | formal | docs | clean   (see README.md)"

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	bash scripts/setup.sh $(VENV)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -m "not slow" -n 2 -q

# The long pytest run on every core, then the eie_top regression grid (every simulator,
# config and seed a job) on every core or, with SCHEDULER=tcp://host:8786, on a Dask
# cluster. WAVES=1: every cocotb run of eie_top also writes its waveform and eie_top.gtkw
# (a failing case is replayed with waves either way).
regress: $(STAMP)
	WAVES=$(WAVES) EIE_N_ITEMS=20000 EIE_N_CASES=80 EIE_FUZZ_EXAMPLES=25000 $(PY) -m pytest -q -n $(JOBS) --hypothesis-profile=regress -k "not (matches_golden_and_array_model and not pe64)"
	WAVES=$(WAVES) $(EIE) regress -o build/regress --seeds 1,2,3,4 --cases 20 $(if $(SCHEDULER),--scheduler $(SCHEDULER))

# Fashion-MNIST end to end: float LeNet-300-100, Deep Compression with retraining, the whole
# test set on the golden model and DEMO_RTL images on the Verilator RTL, report in $(DEMO).
demo: $(STAMP)
	@mkdir -p $(DEMO)
	$(EIE) train --data fashion-mnist --epochs 15 -o $(DEMO)/float.npz
	$(EIE) compress $(DEMO)/float.npz --data fashion-mnist --recipe configs/lenet-300-100.json --pes $(PES) -o $(DEMO)/model.npz --report-dir $(DEMO)
	$(EIE) evaluate $(DEMO)/model.npz --data fashion-mnist --float $(DEMO)/float.npz --rtl $(DEMO_RTL) --sim verilator --report-dir $(DEMO)
	$(EIE) generate --config $(DEMO)/config.json -o $(DEMO)/rtl

verilog: $(STAMP)
	$(EIE) generate --pes $(PES) -o build/verilog

synth: $(STAMP)
	$(EIE) synth-sweep --speeds 6,8 -o build/synth-sweep --doc docs/synthesis.md $(if $(SCHEDULER),--scheduler $(SCHEDULER))

formal: $(STAMP)
	$(EIE) formal -o build/formal

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(EIE) bench -o build/bench --doc BENCHMARKS.md --doc-plots docs/bench

docs: $(STAMP)
	$(EIE) docs -o docs

clean:
	rm -rf build .pytest_cache
