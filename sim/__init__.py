"""Simulation: cocotb testbenches, the runner and (later) the driver. Uses hw and golden."""
