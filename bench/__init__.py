"""Benchmarks behind `make bench`: the PE, the paper's layers, CPU baselines, simulators.

A floor above golden, hw and sim (it runs them); the `eie` CLI calls it."""
