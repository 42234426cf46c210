#!/usr/bin/env python3
"""Regenerate strands_tf/schema/tfe_provider_schema.json from the cdktf-cdktf-provider-tfe package.

Usage (dev dependency, never imported: importing it would start Node.js)::

    .venv/bin/python scripts/extract_tfe_schema.py            # write the committed file
    .venv/bin/python scripts/extract_tfe_schema.py --check    # exit 1 if the committed file is stale

`strands hcp bootstrap` writes a stack for the hashicorp/tfe provider, which cannot be downloaded here;
its resources are checked against this subset of the provider schema instead (strands_tf/schema/check.py),
the way the aws schema checks the modules.

The package's jsii assembly (``cdktf_cdktf_provider_tfe/_jsii/provider-tfe@<version>.jsii.tgz``,
``package/.jsii``) is the only input. How each fact is decided:

- type exists: a class whose docs link ``registry.terraform.io/providers/hashicorp/tfe/<v>/docs/resources/<x>``
  (``data-sources/<x>`` for data sources) and that has a ``<Class>Config`` struct;
- argument name: every Config property's docs (summary, or remarks for blocks) hold a registry link
  ``...#<terraform_name> <Class>#<name>``;
- required / optional: the property's ``optional`` flag (the meta-arguments count, provider, ... inherited
  from ``cdktf.TerraformMetaArguments`` are left out);
- attribute type: the jsii type (string, number, boolean, list/map of primitives; ``IResolvable`` unions
  are unwrapped);
- blocks: a property typed as a struct is a block with at most one item (``list``, max_items 1); a list of
  structs is a ``list`` block. Only settable arguments are extracted: computed-only attributes cannot be
  set, so the check rejects them as unknown.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / "strands_tf" / "schema" / "tfe_provider_schema.json"
ASSEMBLY_NAME = "@cdktf/provider-tfe"
PACKAGE = "cdktf_cdktf_provider_tfe"
# what `strands hcp bootstrap` writes
RESOURCES = ("tfe_workspace", "tfe_variable", "tfe_workspace_settings", "tfe_project")
DATA_SOURCES = ("tfe_project", "tfe_organization")
_REGISTRY = r"registry\.terraform\.io/providers/hashicorp/tfe/"
_LINK = re.compile(_REGISTRY + r"(\d+\.\d+\.\d+)/docs/(resources|data-sources)/(\w+)")
_ARG_LINK = re.compile(_REGISTRY + r"[\d.]+/docs/(?:resources|data-sources)/\w+#(\w+) ")
_META = {"connection", "count", "dependsOn", "forEach", "lifecycle", "provider", "provisioners"}
_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}


class ExtractionError(Exception):
    """The package does not look the way this script understands it; nothing is written."""


def find_tarball() -> Path:
    """The jsii tarball inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ExtractionError("cdktf-cdktf-provider-tfe is not installed; `.venv/bin/pip install -e '.[dev]'`")
    found = sorted((Path(next(iter(spec.submodule_search_locations))) / "_jsii").glob("*.jsii.tgz"))
    if len(found) != 1:
        raise ExtractionError(f"expected one *.jsii.tgz in the {PACKAGE} package, found {len(found)}")
    return found[0]


def read_assembly(tarball: Path) -> dict[str, Any]:
    """The package's .jsii assembly."""
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if member.name == "package/.jsii":
                handle = tar.extractfile(member)
                assert handle is not None
                assembly = json.load(handle)
                if assembly.get("name") != ASSEMBLY_NAME:
                    raise ExtractionError(f"{tarball}: assembly {assembly.get('name')!r}, expected {ASSEMBLY_NAME}")
                return assembly
    raise ExtractionError(f"{tarball}: no package/.jsii inside")


def _unwrap(jsii_type: dict[str, Any]) -> dict[str, Any]:
    if "union" in jsii_type:
        members = [t for t in jsii_type["union"]["types"] if not str(t.get("fqn", "")).endswith(".IResolvable")]
        if len(members) == 1:
            return members[0]
    return jsii_type


class Extractor:
    """BLOCK schemas from the assembly's Config structs."""

    def __init__(self, assembly: dict[str, Any]) -> None:
        self.types: dict[str, Any] = assembly["types"]
        self.classes: dict[tuple[str, str], str] = {}  # (resources|data-sources, tf type) -> class fqn
        versions: set[str] = set()
        for fqn, spec in self.types.items():
            if spec.get("kind") != "class":
                continue
            match = _LINK.search(spec.get("docs", {}).get("summary", ""))
            if match and f"{fqn}Config" in self.types:
                versions.add(match.group(1))
                self.classes[(match.group(2), f"tfe_{match.group(3)}")] = fqn
        if len(versions) != 1:
            raise ExtractionError(f"cannot tell the hashicorp/tfe version; found {sorted(versions)}")
        self.version = versions.pop()

    def schema(self, tf_type: str, *, data: bool) -> dict[str, Any]:
        fqn = self.classes.get(("data-sources" if data else "resources", tf_type))
        if fqn is None:
            raise ExtractionError(f"{tf_type}: no {'data source' if data else 'resource'} class in the assembly")
        return self.block(f"{fqn}Config", tf_type)

    def block(self, struct_fqn: str, where: str) -> dict[str, Any]:
        spec = self.types.get(struct_fqn)
        if spec is None or not spec.get("datatype"):
            raise ExtractionError(f"{where}: struct {struct_fqn} not in the assembly")
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        for prop in spec.get("properties", []):
            if prop["name"] in _META:
                continue
            docs = prop.get("docs", {})
            match = _ARG_LINK.search(docs.get("summary", "") + " " + docs.get("remarks", ""))
            if match is None:
                raise ExtractionError(f"{where}.{prop['name']}: no registry link naming the argument")
            name = match.group(1)
            required = not prop.get("optional", False)
            jsii_type = _unwrap(prop["type"])
            nested = self._struct(jsii_type)
            if nested is not None:
                fqn, many = nested
                block_types[name] = {
                    "nesting_mode": "list",
                    "min_items": 1 if required else 0,
                    "max_items": 0 if many else 1,
                    "block": self.block(fqn, f"{where}.{name}"),
                }
                continue
            attributes[name] = {
                "type": self._type(jsii_type, f"{where}.{name}"),
                "required": required,
                "optional": not required,
                "computed": False,
                "sensitive": False,
            }
        return {"attributes": attributes, "block_types": block_types}

    def _struct(self, jsii_type: dict[str, Any]) -> tuple[str, bool] | None:
        if "fqn" in jsii_type and self.types.get(jsii_type["fqn"], {}).get("datatype"):
            return jsii_type["fqn"], False
        if "collection" in jsii_type:
            element = _unwrap(jsii_type["collection"]["elementtype"])
            if "fqn" in element and self.types.get(element["fqn"], {}).get("datatype"):
                return element["fqn"], True
        return None

    def _type(self, jsii_type: dict[str, Any], where: str) -> Any:
        if "primitive" in jsii_type:
            return _PRIMITIVES[jsii_type["primitive"]]
        if "collection" in jsii_type:
            kind = "map" if jsii_type["collection"]["kind"] == "map" else "list"
            return [kind, self._type(_unwrap(jsii_type["collection"]["elementtype"]), where)]
        raise ExtractionError(f"{where}: type {json.dumps(jsii_type)} not understood")


def extract(tarball: Path | None = None) -> dict[str, Any]:
    """The schema subset `strands hcp bootstrap` needs."""
    assembly = read_assembly(tarball or find_tarball())
    extractor = Extractor(assembly)
    return {
        "provider": {
            "source": "hashicorp/tfe",
            "version": extractor.version,
            "extracted_from": f"cdktf-cdktf-provider-tfe {assembly.get('version', '')}",
        },
        "resource_schemas": {t: extractor.schema(t, data=False) for t in RESOURCES},
        "data_source_schemas": {t: extractor.schema(t, data=True) for t in DATA_SOURCES},
    }


def render(schema: dict[str, Any]) -> str:
    """Stable text of the schema file (sorted keys, one space indent, final newline)."""
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--tarball", type=Path, help="the jsii tarball (default: from the installed package)")
    args = parser.parse_args(argv)
    try:
        text = render(extract(args.tarball))
    except ExtractionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run scripts/extract_tfe_schema.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    tmp = args.output.with_name(f".{args.output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    schema = json.loads(text)
    print(f"wrote {args.output}: hashicorp/tfe {schema['provider']['version']}, {len(schema['resource_schemas'])} "
          f"resources, {len(schema['data_source_schemas'])} data sources")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
