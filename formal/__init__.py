"""Formal proofs of the small parts (issue #8): Amaranth ``Assert``/``Assume``/``Cover`` on
the hardware blocks, checked by SymbiYosys (yowasp-sby) with Yices. A floor beside sim/ (it
uses hw and golden's config); ``eie formal`` / ``make formal`` run them."""
