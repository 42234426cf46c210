#!/usr/bin/env python3
"""Regenerate strands_tf/schema/aws_provider_schema.json from the cdktn-provider-aws package.

Usage (dev dependency, not needed at run time)::

    .venv/bin/pip install "cdktn-provider-aws==25.8.1"   # the version the committed file names
    .venv/bin/python scripts/extract_aws_schema.py            # write the committed file
    .venv/bin/python scripts/extract_aws_schema.py --check    # exit 1 if the committed file is stale

The package ships its jsii assembly and the generated JavaScript bindings in one tarball
(``cdktn_provider_aws/_jsii/provider-aws@<version>.jsii.tgz``: ``package/.jsii`` and
``package/lib/<resource>/index.js``). The package is never imported (that would start Node.js).

How each fact is decided (every rule is cross-checked; a disagreement aborts the extraction):

- type exists: the assembly has a class extending ``cdktn.TerraformResource`` (resources) or
  ``cdktn.TerraformDataSource`` (data sources) whose ``tfResourceType`` is the Terraform type.
- settable / required / optional: the property is in the ``<Class>Config`` struct (or the nested
  block's struct) of the assembly; ``optional`` there means optional, otherwise required.
- computed: the codegen comment above each property in the bindings
  (``// name - computed: X, optional: Y, required: Z``, emitted from the provider schema). A
  property that is only a getter on the class (absent from the Config struct) must be computed.
- attribute type: the getter the bindings use (``getStringAttribute`` -> string, ``getListAttribute``
  -> list(string), ``Fn.tolist(getListAttribute)`` -> set(string), ``getStringMapAttribute`` ->
  map(string), ...; computed-only maps are ``cdktn.StringMap``/``NumberMap``/``BooleanMap`` fields),
  cross-checked against the assembly's type of the Config property.
- not understood (map-nested blocks, ``interpolationForAttribute`` getters, ephemeral resources):
  the extraction stops and names the property; none occurs in the extracted subset. A sweep over the
  whole package extracted 2380 of its resource and data source types under these rules.
- blocks: a property typed as a nested struct. ``new <X>List(this, name, wrapsSet)`` gives nesting
  ``set`` (wrapsSet true) or ``list``; ``new <X>OutputReference(this, name)`` whose class calls
  ``super(..., false, 0)`` is a list with max_items 1, and one calling ``super(..., false)`` is a
  ``single`` block (for example ``timeouts``). A nested struct marked computed is an attribute of
  object type (for example ``aws_security_group.ingress``, ``aws_vpc_endpoint.dns_entry``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / "strands_tf" / "schema" / "aws_provider_schema.json"
MODULES_DIR = REPO_ROOT / "modules"

# Types other parts of strands-tf emit, beyond what modules/ uses (those are added automatically).
BASE_RESOURCES = (
    "aws_lambda_function",
    "aws_lambda_layer_version",
    "aws_lambda_permission",
    "aws_lambda_event_source_mapping",
    "aws_cloudwatch_log_group",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_integration",
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_object",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_policy",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_eip",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_endpoint",
    "aws_vpc_ipam_pool_cidr_allocation",
    "aws_flow_log",
    "aws_cloudwatch_metric_alarm",
)
BASE_DATA_SOURCES = (
    "aws_caller_identity",
    "aws_region",
    "aws_partition",
    "aws_iam_policy_document",
    "aws_availability_zones",
)

ASSEMBLY_NAME = "@cdktn/provider-aws"
_CLASS_RE = re.compile(r"^class (\w+) extends ([\w.]+) \{$", re.M)
_PROP_RE = re.compile(r"^    // (\w+) - computed: (true|false), optional: (true|false), required: (true|false)$", re.M)
_GETTER_RE = re.compile(r"^    get (\w+)\(\) \{\n\s+return (.+?);\n", re.M)
_NEW_RE = re.compile(r"new (\w+)\(this, \"(\w+)\"(?:, (true|false))?\)")
_TF_TYPE_RE = re.compile(r'static tfResourceType = "(\w+)";')
_SUPER_RE = re.compile(r"super\(terraformResource, terraformAttribute(?:, ([\w]+))?(?:, ([\w]+))?\)")
_PROVIDER_VERSION_RE = re.compile(r"registry\.terraform\.io/providers/hashicorp/aws/(\d+\.\d+\.\d+)/docs")

# getter call in the bindings -> Terraform type expression
_GETTER_TYPES: dict[str, Any] = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "getAnyMapAttribute": ["map", "dynamic"],
}
# computed-only maps are held in a map object instead of read through a getter call
_MAP_CLASSES = {"StringMap": "string", "NumberMap": "number", "BooleanMap": "bool"}
_MAP_FIELD_RE = re.compile(r"_(\w+) = new cdktn\.(\w+)\(this, \"(\w+)\"\);")
_GETTER_CALL_RE = re.compile(r"this\.(\w+)\('(\w+)'\)")
_TOLIST = "cdktn.Fn.tolist("
# sets of numbers are read as cdktn.Token.asNumberList(cdktn.Fn.tolist(this.getNumberListAttribute(...)))
_AS_NUMBER_LIST = "cdktn.Token.asNumberList("


def parse_getter(expr: str) -> tuple[str, str, bool] | None:
    """(getter method, attribute name, wrapped in Fn.tolist) of a getter expression, or None."""
    as_number_list = expr.startswith(_AS_NUMBER_LIST) and expr.endswith(")")
    if as_number_list:
        expr = expr[len(_AS_NUMBER_LIST) : -1]
    to_set = expr.startswith(_TOLIST) and expr.endswith(")")
    if to_set:
        expr = expr[len(_TOLIST) : -1]
    match = _GETTER_CALL_RE.fullmatch(expr)
    if match is None or (as_number_list and not (to_set and match.group(1) == "getNumberListAttribute")):
        return None
    return match.group(1), match.group(2), to_set


class ExtractionError(Exception):
    """The package does not look the way this script understands it; nothing is written."""


@dataclass
class JsClass:
    name: str
    base: str
    body: str


@dataclass
class JsProp:
    tf_name: str
    computed: bool
    optional: bool
    required: bool
    camel: str
    getter: str
    construct: tuple[str, str | None] | None  # (class name, wrapsSet) when the property is nested
    map_class: str | None = None  # cdktn.StringMap & co. holding a computed-only map


@dataclass
class Package:
    assembly: dict[str, Any]
    js: dict[str, str] = field(default_factory=dict)  # lib dir -> index.js source
    package_version: str = ""


def lib_dir(tf_type: str, *, data: bool) -> str:
    """Directory of a type's bindings inside the package: aws_lambda_function -> lambda-function."""
    if not tf_type.startswith("aws_"):
        raise ExtractionError(f"{tf_type}: not an aws_ type")
    stem = tf_type.removeprefix("aws_").replace("_", "-")
    return f"data-aws-{stem}" if data else stem


def find_tarball() -> Path:
    """The jsii tarball inside the installed cdktn-provider-aws package (found without importing it)."""
    spec = importlib.util.find_spec("cdktn_provider_aws")
    if spec is None or not spec.submodule_search_locations:
        raise ExtractionError(
            "cdktn-provider-aws is not installed; install it with `.venv/bin/pip install cdktn-provider-aws`"
        )
    jsii_dir = Path(next(iter(spec.submodule_search_locations))) / "_jsii"
    found = sorted(jsii_dir.glob("*.jsii.tgz"))
    if len(found) != 1:
        raise ExtractionError(f"expected one *.jsii.tgz in {jsii_dir}, found {len(found)}")
    return found[0]


def read_package(tarball: Path, wanted_dirs: set[str]) -> Package:
    """Read the assembly and the wanted bindings from the tarball in one pass."""
    assembly: dict[str, Any] | None = None
    js: dict[str, str] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            name = member.name
            if name == "package/.jsii":
                fh = tar.extractfile(member)
                assert fh is not None
                assembly = json.load(fh)
            elif name.startswith("package/lib/") and name.endswith("/index.js"):
                directory = name.split("/")[2]
                if directory in wanted_dirs:
                    fh = tar.extractfile(member)
                    assert fh is not None
                    js[directory] = fh.read().decode("utf-8")
    if assembly is None:
        raise ExtractionError(f"{tarball}: no package/.jsii assembly inside")
    if assembly.get("name") != ASSEMBLY_NAME:
        raise ExtractionError(f"{tarball}: assembly is {assembly.get('name')!r}, expected {ASSEMBLY_NAME}")
    missing = sorted(wanted_dirs - set(js))
    if missing:
        raise ExtractionError(f"bindings not found in the package for: {', '.join(missing)}")
    return Package(assembly=assembly, js=js, package_version=str(assembly.get("version", "")))


def provider_version(assembly: dict[str, Any]) -> str:
    """hashicorp/aws version the bindings were generated from (named in every registry doc link)."""
    text = json.dumps(assembly.get("readme", {})) + json.dumps(assembly.get("docs", {}))
    versions = set(_PROVIDER_VERSION_RE.findall(text))
    if not versions:
        # fall back to the doc links of any type
        for fqn_type in assembly["types"].values():
            versions.update(_PROVIDER_VERSION_RE.findall(fqn_type.get("docs", {}).get("summary", "")))
            if versions:
                break
    if len(versions) != 1:
        raise ExtractionError(f"cannot tell the hashicorp/aws version; found {sorted(versions)}")
    version = versions.pop()
    if not version.startswith("6."):
        raise ExtractionError(f"bindings are for hashicorp/aws {version}; strands-tf targets 6.x")
    return version


def parse_classes(source: str) -> dict[str, JsClass]:
    """Top-level classes of a bindings file with their bodies."""
    matches = list(_CLASS_RE.finditer(source))
    classes: dict[str, JsClass] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(source)
        classes[match.group(1)] = JsClass(match.group(1), match.group(2), source[match.end() : end])
    return classes


def parse_props(cls: JsClass) -> list[JsProp]:
    """Properties of a bindings class with the codegen's schema flags."""
    marks = list(_PROP_RE.finditer(cls.body))
    props: list[JsProp] = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(cls.body)
        segment = cls.body[mark.end() : end]
        getter = _GETTER_RE.search(segment)
        if getter is None:
            raise ExtractionError(f"{cls.name}.{mark.group(1)}: no getter after the schema comment")
        construct = _NEW_RE.search(segment[: getter.start()])
        map_field = _MAP_FIELD_RE.search(segment[: getter.start()])
        props.append(
            JsProp(
                tf_name=mark.group(1),
                computed=mark.group(2) == "true",
                optional=mark.group(3) == "true",
                required=mark.group(4) == "true",
                camel=getter.group(1),
                getter=getter.group(2).strip(),
                construct=(construct.group(1), construct.group(3)) if construct else None,
                map_class=map_field.group(2) if map_field and map_field.group(3) == mark.group(1) else None,
            )
        )
    return props


class Extractor:
    """Builds BLOCK dicts for one bindings file."""

    def __init__(self, package: Package, tf_type: str, directory: str, *, data: bool) -> None:
        self.types: dict[str, Any] = package.assembly["types"]
        self.tf_type = tf_type
        self.classes = parse_classes(package.js[directory])
        base = "cdktn.TerraformDataSource" if data else "cdktn.TerraformResource"
        roots = [c for c in self.classes.values() if c.base == base]
        roots = [c for c in roots if (m := _TF_TYPE_RE.search(c.body)) and m.group(1) == tf_type]
        if len(roots) != 1:
            raise ExtractionError(f"{tf_type}: expected one class extending {base} in lib/{directory}")
        self.root = roots[0]
        fqn_match = re.search(r'fqn: "([^"]+)"', self.root.body)
        if fqn_match is None or fqn_match.group(1) not in self.types:
            raise ExtractionError(f"{tf_type}: class {self.root.name} is not in the jsii assembly")
        self.namespace = fqn_match.group(1).rsplit(".", 1)[0]

    def where(self, path: list[str]) -> str:
        return ".".join([self.tf_type, *path])

    def struct_props(self, struct: str, path: list[str]) -> dict[str, dict[str, Any]]:
        """Properties of a jsii struct (the settable ones), by camelCase name."""
        fqn = f"{self.namespace}.{struct}"
        spec = self.types.get(fqn)
        if spec is None or spec.get("kind") != "interface" or not spec.get("datatype"):
            raise ExtractionError(f"{self.where(path)}: struct {fqn} not in the jsii assembly")
        props = {p["name"]: p for p in spec.get("properties", [])}
        # the resource Config also inherits the meta-arguments (count, provider, ...) - not schema
        return props

    def build(self) -> dict[str, Any]:
        return self.block(self.root, f"{self.root.name}Config", [])

    def block(self, cls: JsClass, struct: str | None, path: list[str]) -> dict[str, Any]:
        settable = self.struct_props(struct, path) if struct else {}
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        for prop in parse_props(cls):
            where = self.where([*path, prop.tf_name])
            config = settable.get(prop.camel)
            in_config = config is not None
            # flags: the assembly decides settable/required, the codegen comment decides computed
            if in_config and (not config.get("optional", False)) != prop.required:
                raise ExtractionError(f"{where}: required flag differs between assembly and bindings")
            if in_config != (prop.optional or prop.required):
                raise ExtractionError(f"{where}: settable in one of assembly/bindings but not the other")
            if not in_config and not prop.computed:
                raise ExtractionError(f"{where}: neither settable nor computed")
            if prop.construct is None:
                attributes[prop.tf_name] = self.attribute(prop, config, where)
                continue
            nested = self.nested(prop, where, [*path, prop.tf_name])
            if prop.computed:
                attributes[prop.tf_name] = {
                    "type": nested["object_type"],
                    "required": prop.required,
                    "optional": prop.optional,
                    "computed": True,
                    "sensitive": False,
                }
            else:
                block_types[prop.tf_name] = nested["block_type"]
        return {"attributes": attributes, "block_types": block_types}

    def attribute(self, prop: JsProp, config: dict[str, Any] | None, where: str) -> dict[str, Any]:
        parsed = parse_getter(prop.getter)
        if prop.map_class is not None and prop.getter == f"this._{prop.camel}":
            if prop.map_class not in _MAP_CLASSES:
                raise ExtractionError(f"{where}: unknown map class cdktn.{prop.map_class}")
            type_expr: Any = ["map", _MAP_CLASSES[prop.map_class]]
        elif parsed is None or parsed[0] not in _GETTER_TYPES or parsed[1] != prop.tf_name:
            raise ExtractionError(f"{where}: unrecognised getter {prop.getter!r}")
        else:
            type_expr = _GETTER_TYPES[parsed[0]]
        if parsed and parsed[2]:
            if not (isinstance(type_expr, list) and type_expr[0] == "list"):
                raise ExtractionError(f"{where}: Fn.tolist around a non-list getter")
            type_expr = ["set", type_expr[1]]
        if config is not None:
            self.cross_check_type(type_expr, config["type"], where)
        return {
            "type": type_expr,
            "required": prop.required,
            "optional": prop.optional,
            "computed": prop.computed,
            "sensitive": False,
        }

    def cross_check_type(self, type_expr: Any, jsii_type: dict[str, Any], where: str) -> None:
        """The assembly's TypeScript type must agree with the Terraform type the getter implies."""
        kinds = {
            "string": "primitive:string",
            "number": "primitive:number",
            "bool": "primitive:boolean",
            "dynamic": "primitive:any",
        }

        def jsii_kind(t: dict[str, Any]) -> str:
            if "primitive" in t:
                return f"primitive:{t['primitive']}"
            if "union" in t:
                members = [m for m in t["union"]["types"] if m.get("fqn") != "cdktn.IResolvable"]
                if len(members) == 1:
                    return jsii_kind(members[0])
            if "collection" in t:
                coll = t["collection"]
                return f"{coll['kind']}<{jsii_kind(coll['elementtype'])}>"
            return json.dumps(t, sort_keys=True)

        if isinstance(type_expr, str):
            expected = kinds[type_expr]
        else:
            outer = "map" if type_expr[0] == "map" else "array"
            expected = f"{outer}<{kinds[type_expr[1]]}>"
        actual = jsii_kind(jsii_type)
        if actual != expected and not (expected == "primitive:any" or actual == "primitive:any"):
            raise ExtractionError(f"{where}: assembly type {actual} does not match {type_expr}")

    def nested(self, prop: JsProp, where: str, path: list[str]) -> dict[str, Any]:
        assert prop.construct is not None
        class_name, wraps_set = prop.construct
        if class_name.endswith("List"):
            struct = class_name.removesuffix("List")
            nesting, max_items = ("set" if wraps_set == "true" else "list"), 0
        elif class_name.endswith("OutputReference"):
            struct = class_name.removesuffix("OutputReference")
            ref = self.classes.get(class_name)
            if ref is None:
                raise ExtractionError(f"{where}: class {class_name} missing from the bindings")
            sup = _SUPER_RE.search(ref.body)
            if sup is None:
                raise ExtractionError(f"{where}: cannot read the super() call of {class_name}")
            if sup.groups() == ("false", "0"):
                nesting, max_items = "list", 1
            elif sup.groups() == ("false", None):
                nesting, max_items = "single", 0
            else:
                raise ExtractionError(f"{where}: unknown nesting in {class_name}: {sup.group(0)}")
        else:
            raise ExtractionError(f"{where}: unsupported nested construct {class_name} (map nesting?)")
        element = self.classes.get(f"{struct}OutputReference")
        if element is None:
            raise ExtractionError(f"{where}: element class {struct}OutputReference missing")
        if prop.computed:
            # computed-only objects have no settable struct in the assembly, only getters
            inner = self.block(element, struct if self.has_struct(struct) else None, path)
            obj = ["object", self.object_fields(inner, where)]
            object_type: Any = obj if nesting == "single" else [nesting, obj]
            return {"object_type": object_type}
        block = self.block(element, struct, path)
        return {
            "block_type": {
                "nesting_mode": nesting,
                "min_items": 1 if prop.required else 0,
                "max_items": max_items,
                "block": block,
            }
        }

    def has_struct(self, struct: str) -> bool:
        spec = self.types.get(f"{self.namespace}.{struct}")
        return bool(spec and spec.get("kind") == "interface" and spec.get("properties"))

    def object_fields(self, block: dict[str, Any], where: str) -> dict[str, Any]:
        """An object type's attribute types (nested blocks of a computed object become objects too)."""
        fields = {name: attr["type"] for name, attr in block["attributes"].items()}
        for name, nested in block["block_types"].items():
            inner = ["object", self.object_fields(nested["block"], f"{where}.{name}")]
            fields[name] = inner if nested["nesting_mode"] == "single" else [nested["nesting_mode"], inner]
        return fields


def module_types(modules_dir: Path = MODULES_DIR) -> tuple[set[str], set[str]]:
    """Resource and data source types used by the HCL modules (python-hcl2)."""
    import hcl2

    resources: set[str] = set()
    data_sources: set[str] = set()
    for path in sorted(modules_dir.glob("*/*.tf")):
        with path.open(encoding="utf-8") as fh:
            parsed = hcl2.load(fh)
        for kind, target in (("resource", resources), ("data", data_sources)):
            for entry in parsed.get(kind, []):
                target.update(key.strip('"') for key in entry)
    return resources, data_sources


def extract(
    tarball: Path | None = None,
    modules_dir: Path = MODULES_DIR,
    base_resources: tuple[str, ...] = BASE_RESOURCES,
    base_data_sources: tuple[str, ...] = BASE_DATA_SOURCES,
) -> dict[str, Any]:
    """The schema subset for the base types plus every type the modules use."""
    used_resources, used_data = module_types(modules_dir)
    resources = sorted(set(base_resources) | used_resources)
    data_sources = sorted(set(base_data_sources) | used_data)
    wanted = {lib_dir(t, data=False) for t in resources} | {lib_dir(t, data=True) for t in data_sources}
    package = read_package(tarball or find_tarball(), wanted)
    return {
        "provider": {
            "source": "hashicorp/aws",
            "version": provider_version(package.assembly),
            "extracted_from": f"cdktn-provider-aws {package.package_version}",
        },
        "resource_schemas": {t: Extractor(package, t, lib_dir(t, data=False), data=False).build() for t in resources},
        "data_source_schemas": {
            t: Extractor(package, t, lib_dir(t, data=True), data=True).build() for t in data_sources
        },
    }


def render(schema: dict[str, Any]) -> str:
    """Stable text of the schema file (sorted keys, one space indent, final newline)."""
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the file is committed and read by everyone
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        text = render(extract())
    except ExtractionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run scripts/extract_aws_schema.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    write_atomic(args.output, text)
    schema = json.loads(text)
    print(
        f"wrote {args.output}: {len(schema['resource_schemas'])} resources, "
        f"{len(schema['data_source_schemas'])} data sources, hashicorp/aws {schema['provider']['version']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
