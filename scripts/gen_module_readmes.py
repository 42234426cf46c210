#!/usr/bin/env python3
"""Regenerate the requirements, resources, inputs and outputs tables of every modules/*/README.md.

The tables are read from versions.tf, main.tf, variables.tf and outputs.tf with python-hcl2 and
written between ``<!-- BEGIN_TF_DOCS -->`` and ``<!-- END_TF_DOCS -->`` (the terraform-docs
markers); the hand-written part of the README (introduction, usage example) is kept.

    .venv/bin/python scripts/gen_module_readmes.py           # rewrite the READMEs
    .venv/bin/python scripts/gen_module_readmes.py --check   # exit 1 if any README is stale
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import hcl2

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULES_DIR = REPO_ROOT / "modules"
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"


class ReadmeError(Exception):
    """A module cannot be documented (missing file, unparsable HCL, broken markers)."""


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            return hcl2.load(fh)
    except FileNotFoundError:
        raise ReadmeError(f"{path}: file not found") from None
    except Exception as exc:  # python-hcl2 raises lark errors of several classes
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReadmeError(f"{path}: not valid HCL ({first})") from None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def _expr(text: str) -> str:
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def render_value(value: Any) -> str:
    """HCL-like text of a value python-hcl2 returned."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _expr(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [f"{k} = {render_value(v)}" for k, v in value.items() if not k.startswith("__")]
        return "{" + (" " + ", ".join(items) + " " if items else "") + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _blocks(document: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for entry in document.get(kind, []):
        for name, body in entry.items():
            out.append((_unquote(name), body))
    return out


def requirements(module: Path) -> list[tuple[str, str]]:
    """(name, version constraint) of terraform and each required provider."""
    rows: list[tuple[str, str]] = []
    for block in _load(module / "versions.tf").get("terraform", []):
        if "required_version" in block:
            rows.append(("terraform", _unquote(block["required_version"])))
        for providers in block.get("required_providers", []):
            for name, spec in providers.items():
                if name.startswith("__"):
                    continue
                rows.append((name, _unquote(spec.get("version", "any")) if isinstance(spec, dict) else "any"))
    return rows


def resources(module: Path) -> list[str]:
    """Resource and data source addresses declared in main.tf."""
    document = _load(module / "main.tf")
    rows: list[str] = []
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for entry in document.get(kind, []):
            for tf_type, named in entry.items():
                for name in named:
                    if not name.startswith("__"):
                        rows.append(f"{prefix}{_unquote(tf_type)}.{_unquote(name)}")
    return rows


def inputs(module: Path) -> list[dict[str, str]]:
    """One row per variable: name, description, type, default, required."""
    rows = []
    for name, body in _blocks(_load(module / "variables.tf"), "variable"):
        required = "default" not in body
        rows.append(
            {
                "name": name,
                "description": _unquote(str(body.get("description", ""))),
                "type": render_value(body.get("type", "any")),
                "default": "n/a" if required else render_value(body["default"]),
                "required": "yes" if required else "no",
            }
        )
    return rows


def outputs(module: Path) -> list[dict[str, str]]:
    """One row per output: name and description."""
    return [
        {"name": name, "description": _unquote(str(body.get("description", "")))}
        for name, body in _blocks(_load(module / "outputs.tf"), "output")
    ]


def render_docs(module: Path) -> str:
    """The generated section (markers included)."""
    lines = [BEGIN, "## Requirements", "", "| Name | Version |", "| --- | --- |"]
    lines += [f"| {name} | `{_cell(version)}` |" for name, version in requirements(module)]
    lines += ["", "## Resources", ""]
    lines += [f"- `{address}`" for address in resources(module)]
    lines += ["", "## Inputs", "", "| Name | Description | Type | Default | Required |"]
    lines += ["| --- | --- | --- | --- | :---: |"]
    for row in inputs(module):
        lines.append(
            f"| `{row['name']}` | {_cell(row['description'])} | `{_cell(row['type'])}` | "
            f"{'n/a' if row['default'] == 'n/a' else '`' + _cell(row['default']) + '`'} | {row['required']} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "| --- | --- |"]
    lines += [f"| `{row['name']}` | {_cell(row['description'])} |" for row in outputs(module)]
    lines.append(END)
    return "\n".join(lines) + "\n"


def updated_readme(module: Path) -> str:
    """The README text with a fresh generated section."""
    path = module / "README.md"
    current = path.read_text(encoding="utf-8") if path.exists() else f"# {module.name}\n\n"
    docs = render_docs(module)
    if BEGIN in current or END in current:
        start, end = current.find(BEGIN), current.find(END)
        if start < 0 or end < start:
            raise ReadmeError(f"{path}: {BEGIN} and {END} must both appear, in that order")
        tail = current[end + len(END) :].lstrip("\n")
        return current[:start] + docs + (("\n" + tail) if tail else "")
    return current.rstrip("\n") + "\n\n" + docs


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a README is stale")
    parser.add_argument("--modules-dir", type=Path, default=MODULES_DIR)
    args = parser.parse_args(argv)
    modules = sorted(p.parent for p in args.modules_dir.glob("*/main.tf"))
    if not modules:
        print(f"error: no modules (*/main.tf) under {args.modules_dir}", file=sys.stderr)
        return 2
    stale = []
    for module in modules:
        try:
            text = updated_readme(module)
        except ReadmeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        path = module / "README.md"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            write_atomic(path, text)
    if args.check and stale:
        for path in stale:
            print(f"{path} is stale: run scripts/gen_module_readmes.py", file=sys.stderr)
        return 1
    verb = "stale" if args.check else "rewritten"
    print(f"{len(modules)} modules, {len(stale)} README(s) {verb}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
