"""Interfaces of the HCL modules (inputs, outputs) and a check of module calls against them.

The generator calls the modules under ``modules/`` from ``cdk.tf.json`` and from the HCL export;
this check catches an argument the module does not declare, a required input left out, and a
reference to an output the module does not have, before Terraform is ever run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from strands_tf.schema import SchemaError
from strands_tf.schema.check import SchemaProblem

__all__ = ["ModuleInterface", "check_module_call", "find_output_references", "module_interface"]

# Meta-arguments of a module block (not inputs of the module).
MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on", "//"})
_OUTPUT_REF = re.compile(r"\bmodule\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.([A-Za-z_][\w-]*)")


@dataclass(frozen=True)
class ModuleInterface:
    """What a module accepts and returns."""

    name: str
    inputs: Mapping[str, bool]  # input name -> required (no default)
    outputs: frozenset[str]

    @property
    def required(self) -> frozenset[str]:
        """Inputs without a default."""
        return frozenset(name for name, required in self.inputs.items() if required)


def _parse(path: Path) -> dict[str, Any]:
    import hcl2

    try:
        with path.open(encoding="utf-8") as fh:
            return hcl2.load(fh)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # python-hcl2 raises lark errors of several classes
        raise SchemaError(
            f"{path}: not valid HCL",
            detail=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            hint="Run `terraform fmt` on the file to see where the syntax breaks.",
        ) from None


@cache
def _interface(directory: Path) -> ModuleInterface:
    if not directory.is_dir():
        raise SchemaError(f"module directory not found: {directory}")
    inputs: dict[str, bool] = {}
    outputs: set[str] = set()
    for path in sorted(directory.glob("*.tf")):
        document = _parse(path)
        for entry in document.get("variable", []):
            for name, body in entry.items():
                inputs[name.strip('"')] = "default" not in body
        for entry in document.get("output", []):
            outputs.update(name.strip('"') for name in entry)
    if not inputs and not outputs:
        raise SchemaError(f"{directory} declares no variables or outputs; is it a Terraform module?")
    return ModuleInterface(name=directory.name, inputs=inputs, outputs=frozenset(outputs))


def module_interface(directory: Path) -> ModuleInterface:
    """Inputs and outputs declared by the module in ``directory`` (cached per resolved path)."""
    return _interface(directory.resolve())


def check_module_call(interface: ModuleInterface, body: Mapping[str, Any], *, where: str) -> list[SchemaProblem]:
    """Problems of one module block (HCL or JSON syntax) calling ``interface``."""
    problems: list[SchemaProblem] = []
    given = {key for key in body if not key.startswith("__") and key not in MODULE_META}
    for name in sorted(given - set(interface.inputs)):
        problems.append(SchemaProblem(f"{where}.{name}", f"module {interface.name} has no input {name!r}"))
    for name in sorted(interface.required - given):
        problems.append(SchemaProblem(f"{where}.{name}", f"required input of module {interface.name} is not set"))
    for name in sorted(interface.required & given):
        if body[name] is None:
            problems.append(SchemaProblem(f"{where}.{name}", f"required input of module {interface.name} is null"))
    return problems


def find_output_references(text: str) -> set[tuple[str, str]]:
    """``(module name, output)`` pairs referenced as ``module.<name>.<output>`` in a text."""
    return set(_OUTPUT_REF.findall(text))
