"""Every hardware unit, found in the package itself: the one registry the design pages, the
buildable tops, the waveform groups and the unit tests' coverage checks derive from.

A unit is the one :class:`~eie_gen.hw.base.EIEComponent` subclass of a module of this
package. Its place in the design comes from the source: the unit whose module instantiates
its class holds it, under the submodule name given there. Adding a unit is writing its file
(with ``summary``, and ``top`` or ``waves`` where they apply) and instantiating it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from functools import cache

from eie_gen.hw.base import EIEComponent

__all__ = ["Unit", "units", "tops"]

ROOT = "eie_top"


@dataclass(frozen=True)
class Unit:
    module: str                 # hw/<module>.py
    cls: type
    parent: str | None          # the module of the unit that holds it (None: the root)
    instance: str | None        # its submodule name there (None when named per index)


def _components() -> dict[str, type]:
    import eie_gen.hw as package
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        mod = importlib.import_module(f"{package.__name__}.{info.name}")
        classes = [c for c in vars(mod).values() if inspect.isclass(c)
                   and issubclass(c, EIEComponent) and c is not EIEComponent
                   and c.__module__ == mod.__name__]
        if len(classes) > 1:
            raise RuntimeError(f"hw/{info.name}.py holds {len(classes)} components, not one")
        if classes:
            found[info.name] = classes[0]
    return found


def _instantiations(module) -> dict[str, tuple[int, str | None]]:
    """Class name -> (line, submodule name or None) of each component the module's code
    instantiates, first occurrence."""
    found = {}
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            found.setdefault(node.func.id, (node.lineno, None))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) \
                        and target.value.attr == "submodules":
                    found[node.value.func.id] = (node.lineno, target.attr)
    return found


@cache
def units() -> dict[str, Unit]:
    """module -> :class:`Unit`, top-down from ``eie_top``: each unit after its holder, a
    holder's units in the order its code instantiates them."""
    comps = _components()
    made = {m: _instantiations(importlib.import_module(c.__module__)) for m, c in comps.items()}
    children: dict[str, list] = {m: [] for m in comps}
    for module, cls in comps.items():
        holders = [h for h in comps if h != module and cls.__name__ in made[h]]
        if holders:
            line, name = made[holders[0]][cls.__name__]
            children[holders[0]].append((line, module, name))
    out = {}

    def visit(module, parent, instance):
        out[module] = Unit(module, comps[module], parent, instance)
        for _, child, name in sorted(children[module]):
            visit(child, module, name)
    visit(ROOT, None, None)
    lost = sorted(set(comps) - set(out))
    if lost:
        raise RuntimeError(f"units not instantiated under {ROOT}: {', '.join(lost)}")
    return out


def tops() -> dict[str, type]:
    """The units users build on their own (``eie generate --top``, ``eie synth --top``)."""
    return {m: u.cls for m, u in units().items() if u.cls.top}
