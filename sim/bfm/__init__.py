"""Bus-functional models over :mod:`eie_gen.sim.io`: valid/ready streams, AXI4-Lite, a PE's
ports, and the backdoor that writes memories straight into a simulator."""
