"""cocotb test modules (run by :func:`eie_gen.sim.runner.run_cocotb`, never collected by
pytest)."""
