"""Simulation of the generated RTL: the host driver (``driver``), one I/O layer over the
Amaranth simulator and cocotb (``io``), bus models (``bfm``), regression cases (``cases``),
cocotb test modules (``tb``), the runner, regressions and waveforms. Stands on hw and golden."""
