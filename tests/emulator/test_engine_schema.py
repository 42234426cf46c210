"""The schema Terraform receives from the emulator provider is exactly the schema file, type by type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.emulator import mirror
from strands_tf.emulator.provider.resources import DATA_SOURCES, RESOURCES
from strands_tf.emulator.provider.schema import PROVIDER_BLOCK_PATH

pytestmark = [pytest.mark.engine]


def _norm_block(block: dict[str, Any]) -> dict[str, Any]:
    """The comparable part of a block: attribute types and flags, nested block modes and limits."""
    attrs = {
        name: {
            "type": a.get("type"),
            "required": bool(a.get("required")),
            "optional": bool(a.get("optional")),
            "computed": bool(a.get("computed")),
            "sensitive": bool(a.get("sensitive")),
        }
        for name, a in (block.get("attributes") or {}).items()
    }
    blocks = {
        name: {
            "nesting_mode": bt.get("nesting_mode"),
            "min_items": int(bt.get("min_items") or 0),
            "max_items": int(bt.get("max_items") or 0),
            "block": _norm_block(bt.get("block") or {}),
        }
        for name, bt in (block.get("block_types") or {}).items()
    }
    return {"attributes": attrs, "block_types": blocks}


def _file_block(entry: dict[str, Any]) -> dict[str, Any]:
    return entry.get("block", entry)


def test_served_schema_equals_schema_file(tf_project, schema_file: Path, installed_mirror) -> None:
    tf = tf_project("")
    tf.init()
    # init ran with -lockfile=readonly against the emulator's own lock file: it is untouched
    assert (tf.workdir / ".terraform.lock.hcl").read_text() == mirror.lock_file_text(installed_mirror)
    served = json.loads(tf.run("providers", "schema", "-json").stdout)["provider_schemas"][
        "registry.terraform.io/hashicorp/aws"
    ]
    expected = json.loads(schema_file.read_text())

    assert sorted(served["resource_schemas"]) == sorted(expected["resource_schemas"])
    assert sorted(served["data_source_schemas"]) == sorted(expected["data_source_schemas"])
    for kind in ("resource_schemas", "data_source_schemas"):
        for type_name, entry in expected[kind].items():
            got = _norm_block(served[kind][type_name]["block"])
            assert got == _norm_block(_file_block(entry)), f"{kind} {type_name} differs from the schema file"

    provider_block = json.loads(PROVIDER_BLOCK_PATH.read_text())
    assert _norm_block(served["provider"]["block"]) == _norm_block(provider_block)

    # every type the provider can apply is in the served schema
    assert set(RESOURCES) <= set(served["resource_schemas"])
    assert set(DATA_SOURCES) <= set(served["data_source_schemas"])


def test_validate_rejects_attributes_the_real_provider_lacks(tf_project) -> None:
    tf = tf_project('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n  versioning_enabled = true\n}\n')
    tf.init()
    res = tf.run("validate", "-no-color", check=False)
    assert res.rc == 1
    assert 'An argument named "versioning_enabled" is not expected here' in res.stderr + res.stdout
