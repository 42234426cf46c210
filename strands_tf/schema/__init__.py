"""The hashicorp/aws provider schema subset strands-tf generates against (the schema oracle).

``aws_provider_schema.json`` is extracted by ``scripts/extract_aws_schema.py`` from the jsii
assembly and generated bindings of the ``cdktn-provider-aws`` package (bindings generated from the
real provider, hashicorp/aws 6.x); a test re-extracts it when that package is installed, so the
committed file cannot go stale. Format, the same shape as ``terraform providers schema -json``
so an emulator provider can serve it directly::

    {"provider": {"source": "hashicorp/aws", "version": "6.69.1",
                  "extracted_from": "cdktn-provider-aws <version>"},
     "resource_schemas": {TYPE: BLOCK}, "data_source_schemas": {TYPE: BLOCK}}

    BLOCK = {"attributes": {NAME: {"type": TYPE_EXPR, "required": bool, "optional": bool,
                                   "computed": bool, "sensitive": bool}},
             "block_types": {NAME: {"nesting_mode": "single" | "list" | "set" | "map",
                                    "min_items": int, "max_items": int, "block": BLOCK}}}

    TYPE_EXPR = "string" | "number" | "bool" | "dynamic" | ["list" | "set" | "map", TYPE_EXPR]
              | ["object", {NAME: TYPE_EXPR}]

What the package cannot say exactly, and the value recorded instead:

- ``sensitive`` is always ``false``: neither the assembly nor the bindings carry the flag, so a
  consumer must not rely on it to hide values (redact by other means).
- ``min_items`` is 1 for a required block and 0 otherwise (the real value could be larger).
- ``max_items`` is 1 for a block the bindings model as one object (``list`` nesting with
  MaxItems 1, as SDKv2 reports it) and 0 (unlimited) for lists and sets; a plugin-framework
  list limited by a validator reports 0, as Terraform's own schema output does.
- A set-typed block limited to one item cannot be told apart from a list limited to one item:
  both are recorded as ``list`` with ``max_items`` 1.
- A nested struct marked computed is recorded as an attribute of object type (this is how SDKv2
  "attributes as blocks" such as ``aws_security_group.ingress`` appear in Terraform's schema);
  plugin-framework nested attributes that are settable but not computed would be recorded as
  blocks. The types in this subset have none.

Descriptions and deprecation notes are not extracted.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from strands_tf.errors import Category, StrandsError

__all__ = [
    "SCHEMA_FILE",
    "SchemaError",
    "data_source_schema",
    "load_aws_schema",
    "provider_version",
    "resource_schema",
]

log = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).with_name("aws_provider_schema.json")
# hashicorp/tfe subset for `strands hcp bootstrap` (scripts/extract_tfe_schema.py)
TFE_SCHEMA_FILE = Path(__file__).with_name("tfe_provider_schema.json")
_REGENERATE = "Regenerate it with `.venv/bin/python scripts/extract_aws_schema.py` (needs cdktn-provider-aws)."


class SchemaError(StrandsError):
    """The schema file is missing or malformed, or a type is not in the extracted subset."""

    category = Category.INTERNAL


def _validate(data: Any, path: Path, source: str = "hashicorp/aws") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: the schema must be a JSON object", hint=_REGENERATE)
    provider = data.get("provider")
    if not isinstance(provider, dict) or provider.get("source") != source:
        raise SchemaError(f"{path}: provider.source must be {source}", hint=_REGENERATE)
    for key in ("resource_schemas", "data_source_schemas"):
        section = data.get(key)
        if not isinstance(section, dict):
            raise SchemaError(f"{path}: missing object {key!r}", hint=_REGENERATE)
        for name, block in section.items():
            if not isinstance(block, dict) or not {"attributes", "block_types"} <= set(block):
                raise SchemaError(
                    f"{path}: {key}.{name} is not a BLOCK (attributes and block_types)",
                    hint=_REGENERATE,
                )
    return data


def _read(path: Path, source: str = "hashicorp/aws") -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"schema file not found: {path}", hint=_REGENERATE) from None
    except OSError as exc:
        raise SchemaError(f"cannot read the schema file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})", hint=_REGENERATE) from None
    return _validate(data, path, source)


@cache
def _load_default() -> dict[str, Any]:
    data = _read(SCHEMA_FILE)
    log.debug("loaded %d resource schemas from %s", len(data["resource_schemas"]), SCHEMA_FILE)
    return data


def load_aws_schema(path: Path | None = None) -> dict[str, Any]:
    """The whole schema document (cached when read from the packaged file; treat it as read-only)."""
    return _load_default() if path is None else _read(path)


@cache
def load_tfe_schema() -> dict[str, Any]:
    """The hashicorp/tfe subset `strands hcp bootstrap` is checked against (read-only, cached)."""
    return _read(TFE_SCHEMA_FILE, "hashicorp/tfe")


def provider_version(path: Path | None = None) -> str:
    """hashicorp/aws version the schema was extracted from (for example ``6.69.1``)."""
    return str(load_aws_schema(path)["provider"]["version"])


def _lookup(section: str, kind: str, tf_type: str, path: Path | None) -> dict[str, Any]:
    schemas = load_aws_schema(path)[section]
    if tf_type not in schemas:
        raise SchemaError(
            f"{kind} type {tf_type!r} is not in the extracted hashicorp/aws schema",
            detail=f"known {kind} types: {', '.join(sorted(schemas))}",
            hint="Check the spelling; a new type must be added to BASE_RESOURCES/BASE_DATA_SOURCES in "
            "scripts/extract_aws_schema.py (types used by modules/ are picked up automatically) "
            "and the schema regenerated.",
        )
    return schemas[tf_type]


def resource_schema(tf_type: str, path: Path | None = None) -> dict[str, Any]:
    """BLOCK schema of a resource type such as ``aws_lambda_function``."""
    return _lookup("resource_schemas", "resource", tf_type, path)


def data_source_schema(tf_type: str, path: Path | None = None) -> dict[str, Any]:
    """BLOCK schema of a data source type such as ``aws_iam_policy_document``."""
    return _lookup("data_source_schemas", "data source", tf_type, path)
