"""The golden reference: what the RTL must equal, bit for bit and cycle for cycle (numpy only).

``model`` runs a model image bit-exact (and a plain dense route from the decoded image to
check it), ``fixedpoint`` holds the arithmetic, ``pe_model`` and ``array_model`` the cycle
models of one PE and of the whole array."""
