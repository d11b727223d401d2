# Every target sets up what it needs (venv, pinned packages, simulators) and wraps the CLI.
VENV  ?= .venv
PY    := $(VENV)/bin/python
EIE   := $(VENV)/bin/eie
STAMP := $(VENV)/.installed
DEMO  := build/demo
PES   ?= 4

.PHONY: setup test demo verilog synth regress bench clean help
help:
	@echo "make demo | test | verilog | synth | regress | bench | clean   (see README.md)"

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh $(VENV)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -m "not slow" -n 2 -q

regress: $(STAMP)
	EIE_N_ITEMS=20000 EIE_N_CASES=80 $(PY) -m pytest -q -n 2 --hypothesis-profile=regress

demo: $(STAMP)
	@mkdir -p $(DEMO)
	$(EIE) random-net --sizes 256,128,10 --seed 1 -o $(DEMO)/weights.npz
	$(EIE) compress $(DEMO)/weights.npz -o $(DEMO)/model.npz --pes $(PES) --density 0.1
	$(EIE) report $(DEMO)/model.npz --json $(DEMO)/report.json --md $(DEMO)/report.md
	$(EIE) random-input $(DEMO)/model.npz --batch 4 --density 0.5 -o $(DEMO)/x.npy
	$(EIE) run $(DEMO)/model.npz --input $(DEMO)/x.npy -o $(DEMO)/y.npy --sim golden --check
	$(EIE) run $(DEMO)/model.npz --input $(DEMO)/x.npy -o $(DEMO)/y_rtl.npy --sim verilator --check
	$(EIE) generate --pes $(PES) -o $(DEMO)/rtl
	$(EIE) synth --pes $(PES) --top pe --target ecp5 --seeds 1 -o $(DEMO)/synth_pe_ecp5.json
	$(EIE) status

verilog: $(STAMP)
	$(EIE) generate --pes $(PES) -o build/verilog

synth: $(STAMP)
	$(EIE) synth-sweep -o build/synth-sweep --doc docs/synthesis.md

bench: $(STAMP)
	$(EIE) bench -o build/bench

clean:
	rm -rf build .pytest_cache
