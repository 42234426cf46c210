"""The provider schema as data: load the real provider's schema file, convert it to tfplugin6 messages."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from strands_tf.emulator.provider.values import Unknown, conform_type

SCHEMA_ENV = "STRANDS_TF_EMULATOR_SCHEMA"
DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "aws_provider_schema.json"
# The real provider's configuration block (region, credentials, endpoints, default_tags, ...), used when the
# schema file carries only provider metadata ({source, version}) instead of the provider block schema.
PROVIDER_BLOCK_PATH = Path(__file__).resolve().parent / "provider_block.json"

_BLOCK_NESTING = {
    "single": pb.Schema.NestedBlock.NestingMode.SINGLE,
    "list": pb.Schema.NestedBlock.NestingMode.LIST,
    "set": pb.Schema.NestedBlock.NestingMode.SET,
    "map": pb.Schema.NestedBlock.NestingMode.MAP,
    "group": pb.Schema.NestedBlock.NestingMode.GROUP,
}
_OBJECT_NESTING = {
    "single": pb.Schema.Object.NestingMode.SINGLE,
    "list": pb.Schema.Object.NestingMode.LIST,
    "set": pb.Schema.Object.NestingMode.SET,
    "map": pb.Schema.Object.NestingMode.MAP,
}
_KIND = {"plain": pb.StringKind.PLAIN, "markdown": pb.StringKind.MARKDOWN}


class SchemaFileError(Exception):
    """The schema file is missing or not in the shape of ``terraform providers schema -json``."""


@dataclass
class ProviderSchema:
    """The provider block schema plus resource and data source schemas, each ``{version, block}``."""

    provider: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    data_sources: dict[str, dict[str, Any]]
    version: str | None = None
    _pb_cache: dict[str, Any] = field(default_factory=dict)

    def resource_block(self, type_name: str) -> dict[str, Any]:
        """The block schema of a resource type."""
        return self.resources[type_name]["block"]

    def data_source_block(self, type_name: str) -> dict[str, Any]:
        """The block schema of a data source type."""
        return self.data_sources[type_name]["block"]


def _entry(raw: dict[str, Any]) -> dict[str, Any]:
    """Accept ``{version, block: {...}}`` and the flattened ``{attributes, block_types}``."""
    if "block" in raw:
        return {"version": int(raw.get("version", 0)), "block": raw["block"]}
    return {"version": int(raw.get("version", 0)), "block": raw}


def schema_path() -> Path:
    """The schema file to serve: ``$STRANDS_TF_EMULATOR_SCHEMA`` or the packaged schema."""
    override = os.environ.get(SCHEMA_ENV)
    return Path(override) if override else DEFAULT_SCHEMA_PATH


def load_schema(path: Path | None = None) -> ProviderSchema:
    """Read a schema file in the shape of ``terraform providers schema -json`` (one provider)."""
    path = path or schema_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SchemaFileError(f"provider schema file not found: {path}") from exc
    except (OSError, ValueError) as exc:
        raise SchemaFileError(f"provider schema file {path} is unreadable: {exc}") from exc
    if "provider_schemas" in raw:
        # full `terraform providers schema -json` output: take the aws provider
        schemas = raw["provider_schemas"]
        key = next((k for k in schemas if k.endswith("/aws")), None)
        if key is None:
            raise SchemaFileError(f"{path} has no aws provider schema")
        raw = schemas[key]
    if not isinstance(raw, dict) or "resource_schemas" not in raw:
        raise SchemaFileError(f"{path} has no resource_schemas")
    provider_raw = raw.get("provider") or {}
    version = None
    if not ("block" in provider_raw or "attributes" in provider_raw):
        version = provider_raw.get("version") if isinstance(provider_raw.get("version"), str) else None
        provider_raw = json.loads(PROVIDER_BLOCK_PATH.read_text(encoding="utf-8"))
    version = version or (raw.get("provider_version") if isinstance(raw.get("provider_version"), str) else None)
    return ProviderSchema(
        version=version,
        provider=_entry(provider_raw),
        resources={k: _entry(v) for k, v in raw["resource_schemas"].items()},
        data_sources={k: _entry(v) for k, v in (raw.get("data_source_schemas") or {}).items()},
    )


# ---- tfplugin6 messages ----


def _attribute_pb(name: str, attr: dict[str, Any]) -> pb.Schema.Attribute:
    kwargs: dict[str, Any] = {
        "name": name,
        "description": attr.get("description", ""),
        "required": bool(attr.get("required")),
        "optional": bool(attr.get("optional")),
        "computed": bool(attr.get("computed")),
        "sensitive": bool(attr.get("sensitive")),
        "deprecated": bool(attr.get("deprecated")),
        "description_kind": _KIND.get(attr.get("description_kind", "plain"), pb.StringKind.PLAIN),
    }
    if "nested_type" in attr:
        nested = attr["nested_type"]
        kwargs["nested_type"] = pb.Schema.Object(
            attributes=[_attribute_pb(n, a) for n, a in sorted(nested.get("attributes", {}).items())],
            nesting=_OBJECT_NESTING[nested.get("nesting_mode", "single")],
        )
    else:
        kwargs["type"] = json.dumps(attr["type"], separators=(",", ":")).encode()
    return pb.Schema.Attribute(**kwargs)


def block_pb(block: dict[str, Any]) -> pb.Schema.Block:
    """Convert a JSON block schema into a tfplugin6 block."""
    nested = []
    for name, bt in sorted((block.get("block_types") or {}).items()):
        nested.append(
            pb.Schema.NestedBlock(
                type_name=name,
                block=block_pb(bt.get("block", {})),
                nesting=_BLOCK_NESTING[bt.get("nesting_mode", "list")],
                min_items=int(bt.get("min_items", 0)),
                max_items=int(bt.get("max_items", 0)),
            )
        )
    return pb.Schema.Block(
        attributes=[_attribute_pb(n, a) for n, a in sorted((block.get("attributes") or {}).items())],
        block_types=nested,
        description=block.get("description", ""),
        description_kind=_KIND.get(block.get("description_kind", "plain"), pb.StringKind.PLAIN),
        deprecated=bool(block.get("deprecated")),
    )


def schema_pb(entry: dict[str, Any]) -> pb.Schema:
    """Convert ``{version, block}`` into a tfplugin6 schema."""
    return pb.Schema(version=entry.get("version", 0), block=block_pb(entry["block"]))


# ---- values shaped by a block ----


def _nested_value(nested: dict[str, Any], value: Any) -> Any:
    if value is None or value is Unknown:
        return value
    attrs = nested.get("attributes", {})
    mode = nested.get("nesting_mode", "single")
    if mode == "single":
        return {n: conform_attr(a, value.get(n)) for n, a in attrs.items()}
    if mode == "map":
        return {k: {n: conform_attr(a, v.get(n)) for n, a in attrs.items()} for k, v in value.items()}
    return [{n: conform_attr(a, v.get(n)) for n, a in attrs.items()} for v in value]


def conform_attr(attr: dict[str, Any], value: Any) -> Any:
    """Coerce one attribute value to its schema type."""
    if "nested_type" in attr:
        return _nested_value(attr["nested_type"], value)
    return conform_type(value, attr["type"])


def empty_block_value(bt: dict[str, Any]) -> Any:
    """The value Terraform uses for a nested block that is absent."""
    mode = bt.get("nesting_mode", "list")
    if mode in ("list", "set"):
        return []
    if mode == "map":
        return {}
    return None


def conform_block(block: dict[str, Any], value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Give a value every attribute and nested block of its schema, coerced to the schema types."""
    if value is None:
        return None
    if value is Unknown:
        return value  # type: ignore[return-value]
    out: dict[str, Any] = {}
    for name, attr in (block.get("attributes") or {}).items():
        out[name] = conform_attr(attr, value.get(name))
    for name, bt in (block.get("block_types") or {}).items():
        inner = bt.get("block", {})
        v = value.get(name)
        mode = bt.get("nesting_mode", "list")
        if v is Unknown:
            out[name] = v
        elif v is None:
            out[name] = empty_block_value(bt)
        elif mode in ("list", "set"):
            out[name] = [conform_block(inner, item) for item in v]
        elif mode == "map":
            out[name] = {k: conform_block(inner, item) for k, item in v.items()}
        else:
            out[name] = conform_block(inner, v)
    return out
