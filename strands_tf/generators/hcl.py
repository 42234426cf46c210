"""HCL export: the stack JSON written as readable .tf files, formatted the way `terraform fmt` formats them."""

from __future__ import annotations

import json
import re
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SINGLE_INTERP = re.compile(r"^\$\{([^{}]*)\}$")
INDENT = "  "

# Keys whose JSON value is a nested block (or a list of blocks), per enclosing block kind.
_BLOCK_KEYS: dict[str, frozenset[str]] = {
    "terraform": frozenset({"backend", "cloud", "required_providers"}),
    "cloud": frozenset({"workspaces"}),
    "provider": frozenset({"default_tags", "assume_role", "endpoints"}),
}
# Attributes whose strings are type expressions or references, written bare.
_BARE_STRING_KEYS = {"type", "depends_on"}


def _quote(text: str) -> str:
    # string escapes only: a JSON string is a template with the same `${`/`%{` syntax as an HCL quoted
    # string, so template sequences are copied as they are (user text was escaped when the graph was built)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    escaped = escaped.replace("\r", "\\r")
    return f'"{escaped}"'


def _key(name: str) -> str:
    return name if _IDENT.match(name) else _quote(name)


def expression(value: Any, level: int) -> str:
    """An HCL expression for a JSON value (`${x}` alone becomes the bare expression x)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        single = _SINGLE_INTERP.match(value)
        if single and "${" not in single.group(1):
            return single.group(1)
        return _quote(value)
    pad = INDENT * (level + 1)
    end = INDENT * level
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [expression(v, level + 1) for v in value]
        if (
            all("\n" not in i for i in items)
            and sum(len(i) + 2 for i in items) < 80
            and not any(isinstance(v, dict) for v in value)
        ):
            return "[" + ", ".join(items) + "]"
        return "[\n" + "".join(f"{pad}{i},\n" for i in items) + f"{end}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = _attribute_lines([(_key(k), expression(v, level + 1)) for k, v in value.items()], pad)
        return "{\n" + "".join(lines) + f"{end}}}"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _attribute_lines(pairs: list[tuple[str, str]], pad: str) -> list[str]:
    """`key = value` lines with `=` aligned across each run of single-line attributes, as terraform fmt does.

    An attribute whose value spans several lines stands alone: it ends the run before it and is not aligned.
    """
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        if run:
            width = max(len(k) for k, _ in run)
            lines.extend(f"{pad}{k.ljust(width)} = {v}\n" for k, v in run)
            run.clear()

    for key, value in pairs:
        if "\n" in value:
            flush()
            lines.append(f"{pad}{key} = {value}\n")
        else:
            run.append((key, value))
    flush()
    return lines


def block(kind: str, labels: list[str], body: dict[str, Any], level: int = 0, *, comment: str | None = None) -> str:
    """One HCL block with attributes first (aligned) and nested blocks after."""
    pad = INDENT * level
    inner = INDENT * (level + 1)
    head = " ".join([kind, *(_quote(label) for label in labels)])
    block_keys = _BLOCK_KEYS.get(kind, frozenset())
    attributes: list[tuple[str, str]] = []
    nested: list[str] = []
    # terraform-aws-modules style: source first, depends_on last, the rest in name order
    ordered = sorted(body.items(), key=lambda kv: (kv[0] != "source", kv[0] == "depends_on", kv[0]))
    for key, value in ordered:
        if key == "//":
            continue
        if key in block_keys:
            nested.extend(_nested_blocks(key, value, level + 1))
        elif key in _BARE_STRING_KEYS and isinstance(value, str):
            attributes.append((_key(key), _SINGLE_INTERP.sub(r"\1", value)))
        elif key == "depends_on" and isinstance(value, list):
            attributes.append((key, "[" + ", ".join(str(v) for v in value) + "]"))
        else:
            attributes.append((_key(key), expression(value, level + 1)))
    out = f"{pad}# {comment}\n" if comment else ""
    out += f"{pad}{head} {{\n"
    out += "".join(_attribute_lines(attributes, inner)) if attributes else ""
    if attributes and nested:
        out += "\n"
    out += "\n".join(nested)
    out += f"{pad}}}\n"
    return out


def _nested_blocks(key: str, value: Any, level: int) -> list[str]:
    if key == "backend" and isinstance(value, dict):
        return [block("backend", [kind], config, level) for kind, config in value.items()]
    if key == "required_providers" and isinstance(value, dict):
        pad = INDENT * (level + 1)
        lines = _attribute_lines([(_key(k), expression(v, level + 1)) for k, v in value.items()], pad)
        return [f"{INDENT * level}required_providers {{\n" + "".join(lines) + f"{INDENT * level}}}\n"]
    items = value if isinstance(value, list) else [value]
    return [block(key, [], item, level) for item in items]


def render_stack_hcl(doc: dict[str, Any]) -> dict[str, str]:
    """Split one stack document (cdk.tf.json) into .tf files: file name -> content."""
    files: dict[str, list[str]] = {}

    def add(file: str, text: str) -> None:
        files.setdefault(file, []).append(text)

    add("versions.tf", block("terraform", [], doc.get("terraform", {})))
    for name, configs in doc.get("provider", {}).items():
        for config in configs:
            add("providers.tf", block("provider", [name], config))
    for var_name, var in doc.get("variable", {}).items():
        add("variables.tf", block("variable", [var_name], var))
    for data_type, items in doc.get("data", {}).items():
        for data_id, body in items.items():
            add("data.tf", block("data", [data_type, data_id], body, comment=_path_comment(body)))
    for module_id, body in doc.get("module", {}).items():
        add(_file_for_module(module_id, body), block("module", [module_id], body, comment=_path_comment(body)))
    for output_id, body in doc.get("output", {}).items():
        add("outputs.tf", block("output", [output_id], body))
    return {name: "\n".join(parts) for name, parts in sorted(files.items())}


def _path_comment(body: dict[str, Any]) -> str | None:
    meta = body.get("//", {}).get("metadata", {})
    return f"construct {meta['path']}" if "path" in meta else None


def _file_for_module(module_id: str, body: dict[str, Any]) -> str:
    source = str(body.get("source", ""))
    agent_alarms = source.endswith("/metric-alarms") and module_id.startswith("alarms_")
    if source.endswith("/strands-agent") or module_id.startswith("dlq_") or agent_alarms:
        return f"agent_{module_id.split('_', 1)[1]}.tf"
    if source.endswith("/execution-role"):
        suffix = module_id.split("_", 1)[1] if "_" in module_id else module_id
        return "iam.tf" if suffix.startswith("shared") else f"agent_{suffix}.tf"
    if source.endswith("/http-api"):
        return "api.tf"
    kind = {
        "/dynamodb-table": "dynamodb.tf",
        "/s3-bucket": "s3.tf",
        "/sqs-queue": "sqs.tf",
        "/sns-topic": "sns.tf",
        "/vpc": "network.tf",
        "/alarm-topic": "alarms.tf",
        "/metric-alarms": "alarms.tf",
        "/dashboard": "alarms.tf",
    }
    for suffix, file in kind.items():
        if source.endswith(suffix):
            return file
    return "main.tf"
