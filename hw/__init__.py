"""Amaranth RTL of the EIE engine. Stands on the contract only (``eie_gen.config``, and
``eie_gen.addrmap`` for the host port): never on golden, compress or sim."""
