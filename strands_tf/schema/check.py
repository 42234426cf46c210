"""Check Terraform configuration against the extracted provider schema (the schema oracle).

Two input syntaxes are understood:

- ``hcl``: the dict python-hcl2 (8.x) returns for a ``.tf`` file; blocks are lists of dicts marked
  ``"__is_block__": true``, labels and string literals keep their quotes, expressions are ``${...}``.
- ``json``: Terraform JSON syntax as in ``cdk.tf.json`` (blocks and attributes look alike there, so
  the schema decides which a key is).

Each resource and data block is checked for: a known type; every attribute and block it sets
exists; attributes are settable (not computed-only); blocks are written as blocks and attributes
as attributes; block counts respect ``max_items``; every required attribute and required block is
present (directly or through a ``dynamic`` block); literal values have a compatible shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from strands_tf.schema import SchemaError, load_aws_schema

__all__ = ["SchemaProblem", "check_body", "check_hcl_document", "check_hcl_file", "check_json_document"]

Syntax = Literal["hcl", "json"]

# Terraform meta-arguments allowed at the top of a resource or data block (not provider schema).
RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"})
_JSON_COMMENT = "//"


@dataclass(frozen=True)
class SchemaProblem:
    """One place where configuration disagrees with the provider schema."""

    where: str
    message: str

    def format(self) -> str:
        """``modules/x/main.tf: resource.aws_s3_bucket.this.acl: message``."""
        return f"{self.where}: {self.message}"


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def _is_hcl_block_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and v.get("__is_block__") is True for v in value)
    )


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def _literal_problem(type_expr: Any, value: Any, syntax: Syntax) -> str | None:
    """Why a literal value cannot have the attribute's type (None when it can or is an expression)."""
    if value is None or _is_expression(value):
        return None
    if isinstance(value, str) and "${" in value:
        return None  # template string: a string whose content is only known later
    kind = type_expr if isinstance(type_expr, str) else type_expr[0]
    if kind == "dynamic":
        return None
    if kind == "string":
        return None if isinstance(value, str | int | float | bool) else "expects a string"
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return "expects a number"
        if isinstance(value, str):
            text = _unquote(value) if syntax == "hcl" else value
            try:
                float(text)
            except ValueError:
                return f"expects a number, got {value!r}"
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return None
        text = _unquote(value) if isinstance(value, str) and syntax == "hcl" else value
        return None if text in ("true", "false") else f"expects a bool, got {value!r}"
    if kind in ("list", "set"):
        if not isinstance(value, list):
            return f"expects a {kind}"
        for item in value:
            if problem := _literal_problem(type_expr[1], item, syntax):
                return f"element {problem}"
        return None
    if kind in ("map", "object"):
        return None if isinstance(value, dict) else f"expects a {kind}"
    return None


def _object_list_attribute(attr: Mapping[str, Any]) -> bool:
    """SDKv2 'attributes as blocks' (list/set of objects) may also be written with block syntax."""
    type_expr = attr["type"]
    return (
        isinstance(type_expr, list)
        and type_expr[0] in ("list", "set")
        and isinstance(type_expr[1], list)
        and type_expr[1][0] == "object"
    )


class _Checker:
    def __init__(self, syntax: Syntax) -> None:
        self.syntax = syntax
        self.problems: list[SchemaProblem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(SchemaProblem(where, message))

    def instances(self, value: Any) -> list[dict[str, Any]] | None:
        """The block bodies a value holds, or None when it is not written as a block."""
        if self.syntax == "hcl":
            return list(value) if _is_hcl_block_list(value) else None
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return list(value)
        return None

    def dynamic_blocks(self, value: Any, where: str) -> Iterable[tuple[str, dict[str, Any]]]:
        """(block name, content body) pairs of a ``dynamic`` entry."""
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if not isinstance(entry, dict):
                self.add(where, "dynamic must be a block")
                continue
            for label, spec in entry.items():
                if label.startswith("__"):
                    continue
                name = _unquote(label)
                specs = spec if isinstance(spec, list) else [spec]
                for one in specs:
                    if not isinstance(one, dict) or "for_each" not in one:
                        self.add(f"{where}.{name}", "dynamic block needs for_each")
                        continue
                    contents = one.get("content")
                    bodies = self.instances(contents) if contents is not None else None
                    if not bodies:
                        self.add(f"{where}.{name}", "dynamic block needs a content block")
                        continue
                    for body in bodies:
                        yield name, body

    def body(self, block: Mapping[str, Any], body: Mapping[str, Any], where: str, *, top: bool) -> None:
        attributes: Mapping[str, Any] = block["attributes"]
        block_types: Mapping[str, Any] = block["block_types"]
        seen_blocks: dict[str, int] = {}
        dynamic_seen: set[str] = set()
        for key, value in body.items():
            if key.startswith("__") or (self.syntax == "json" and key == _JSON_COMMENT):
                continue
            here = f"{where}.{key}"
            if top and key in RESOURCE_META:
                continue
            if key == "dynamic" and "dynamic" not in block_types:
                for name, content in self.dynamic_blocks(value, here):
                    if name in block_types:
                        dynamic_seen.add(name)
                        self.body(block_types[name]["block"], content, f"{where}.{name}", top=False)
                    elif name in attributes and _object_list_attribute(attributes[name]):
                        dynamic_seen.add(name)
                    elif name in attributes:
                        self.add(f"{where}.{name}", "is an attribute, not a block; it cannot be dynamic")
                    else:
                        self.add(f"{where}.{name}", "no such block in the schema")
                continue
            bodies = self.instances(value)
            if key in block_types:
                if bodies is None:
                    self.add(here, f"is a block; write it as `{key} {{ ... }}`, not `{key} = ...`")
                    continue
                spec = block_types[key]
                seen_blocks[key] = seen_blocks.get(key, 0) + len(bodies)
                for index, inner in enumerate(bodies):
                    suffix = f"[{index}]" if len(bodies) > 1 else ""
                    self.body(spec["block"], inner, here + suffix, top=False)
                continue
            if key in attributes:
                attr = attributes[key]
                if not (attr["optional"] or attr["required"]):
                    self.add(here, "is computed by the provider (read-only); it cannot be set")
                    continue
                if self.syntax == "hcl" and bodies is not None and not _object_list_attribute(attr):
                    self.add(here, f"is an attribute; write it as `{key} = ...`, not as a block")
                    continue
                problem = _literal_problem(attr["type"], value, self.syntax)
                if problem and (bodies is None or self.syntax == "json"):
                    self.add(here, f"{problem} (schema type {json.dumps(attr['type'])})")
                continue
            self.add(here, "no such attribute or block in the schema")
        for name, attr in attributes.items():
            if attr["required"] and name not in body:
                self.add(f"{where}.{name}", "required attribute is not set")
            elif attr["required"] and body[name] is None:
                self.add(f"{where}.{name}", "required attribute is null")
        for name, spec in block_types.items():
            count = seen_blocks.get(name, 0)
            if spec["min_items"] > 0 and count == 0 and name not in dynamic_seen:
                self.add(f"{where}.{name}", f"required block is missing (at least {spec['min_items']})")
            limit = 1 if spec["nesting_mode"] == "single" else spec["max_items"]
            if limit and count > limit:
                self.add(f"{where}.{name}", f"at most {limit} block(s) allowed, found {count}")


def check_body(
    block: Mapping[str, Any], body: Mapping[str, Any], *, where: str, syntax: Syntax = "json", top: bool = True
) -> list[SchemaProblem]:
    """Problems of one resource/data body against its BLOCK schema."""
    checker = _Checker(syntax)
    checker.body(block, body, where, top=top)
    return checker.problems


def _document_blocks(document: Mapping[str, Any], syntax: Syntax) -> Iterable[tuple[str, str, str, Any]]:
    """(kind, type, name, body) of every resource and data block in a parsed document."""
    for kind in ("resource", "data"):
        section = document.get(kind)
        if section is None:
            continue
        entries = section if isinstance(section, list) else [section]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for tf_type, named in entry.items():
                if tf_type.startswith("__") or tf_type == _JSON_COMMENT:
                    continue
                for name, body in (named or {}).items():
                    if name.startswith("__") or name == _JSON_COMMENT:
                        continue
                    yield kind, _unquote(tf_type), _unquote(name), body


def _check_document(
    document: Mapping[str, Any],
    source: str,
    syntax: Syntax,
    schema_path: Path | None,
    schema: Mapping[str, Any] | None = None,
) -> list[SchemaProblem]:
    schema = schema if schema is not None else load_aws_schema(schema_path)
    provider = str(schema["provider"]["source"])
    prefix = provider.rsplit("/", 1)[-1] + "_"
    problems: list[SchemaProblem] = []
    for kind, tf_type, name, body in _document_blocks(document, syntax):
        where = f"{source}: {kind}.{tf_type}.{name}"
        if not tf_type.startswith(prefix):
            continue  # other providers and built-ins (terraform_data) are not in this schema
        section = schema["resource_schemas" if kind == "resource" else "data_source_schemas"]
        if tf_type not in section:
            problems.append(SchemaProblem(where, f"unknown {kind} type {tf_type!r} in {provider}"))
            continue
        bodies = body if isinstance(body, list) else [body]
        for one in bodies:
            if not isinstance(one, dict):
                problems.append(SchemaProblem(where, "body must be a block"))
                continue
            problems.extend(check_body(section[tf_type], one, where=where, syntax=syntax))
    return problems


def check_hcl_document(
    document: Mapping[str, Any], *, source: str = "<hcl>", schema_path: Path | None = None
) -> list[SchemaProblem]:
    """Problems of a python-hcl2-parsed ``.tf`` document."""
    return _check_document(document, source, "hcl", schema_path)


def check_json_document(
    document: Mapping[str, Any],
    *,
    source: str = "<json>",
    schema_path: Path | None = None,
    schema: Mapping[str, Any] | None = None,
) -> list[SchemaProblem]:
    """Problems of a Terraform JSON document (``cdk.tf.json``); `schema` picks another provider's schema."""
    return _check_document(document, source, "json", schema_path, schema)


def check_hcl_file(path: Path, *, schema_path: Path | None = None) -> list[SchemaProblem]:
    """Parse a ``.tf`` file with python-hcl2 and return its schema problems."""
    import hcl2  # parsing is only needed here; keep the import off the package's import path

    try:
        with path.open(encoding="utf-8") as fh:
            document = hcl2.load(fh)
    except FileNotFoundError:
        raise SchemaError(f"file not found: {path}") from None
    except Exception as exc:  # python-hcl2 raises lark errors of several classes
        raise SchemaError(
            f"{path}: not valid HCL",
            detail=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            hint="Run `terraform fmt` on the file to see where the syntax breaks.",
            category=SchemaError.category,
        ) from None
    return check_hcl_document(document, source=str(path), schema_path=schema_path)
