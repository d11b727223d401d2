"""Amaranth RTL of the EIE engine. Imports only ``golden.config`` from the golden model."""
