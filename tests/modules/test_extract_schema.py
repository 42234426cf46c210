"""scripts/extract_aws_schema.py: decision rules on a synthetic package, failure modes, staleness."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from strands_tf.schema import SCHEMA_FILE

from .conftest import REPO_ROOT

NS = "@cdktn/provider-aws.fooThing"
DOC = {
    "summary": "Represents {@link https://registry.terraform.io/providers/hashicorp/aws/6.1.0/docs/resources/foo_thing}"
}

BINDINGS = """\
"use strict";
class FooThingBlkOutputReference extends cdktn.ComplexObject {
    static [JSII_RTTI_SYMBOL_1] = { fqn: "@cdktn/provider-aws.fooThing.FooThingBlkOutputReference", version: "9.9.9" };
    constructor(terraformResource, terraformAttribute) {
        super(terraformResource, terraformAttribute, false, 0);
    }
    // size - computed: false, optional: false, required: true
    _size;
    get size() {
        return this.getNumberAttribute('size');
    }
}
class FooThingRuleOutputReference extends cdktn.ComplexObject {
    constructor(terraformResource, terraformAttribute, complexObjectIndex, complexObjectIsFromSet) {
        super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex);
    }
    // ids - computed: false, optional: true, required: false
    _ids;
    get ids() {
        return cdktn.Fn.tolist(this.getListAttribute('ids'));
    }
    // enabled - computed: true, optional: true, required: false
    _enabled;
    get enabled() {
        return this.getBooleanAttribute('enabled');
    }
}
class FooThingRuleList extends cdktn.ComplexList {
    constructor(terraformResource, terraformAttribute, wrapsSet) {
        super(terraformResource, terraformAttribute, wrapsSet);
    }
}
class FooThingTimeoutsOutputReference extends cdktn.ComplexObject {
    constructor(terraformResource, terraformAttribute) {
        super(terraformResource, terraformAttribute, false);
    }
    // create - computed: false, optional: true, required: false
    _create;
    get create() {
        return this.getStringAttribute('create');
    }
}
class FooThingEntryOutputReference extends cdktn.ComplexObject {
    constructor(terraformResource, terraformAttribute, complexObjectIndex, complexObjectIsFromSet) {
        super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex);
    }
    // dns_name - computed: true, optional: false, required: false
    get dnsName() {
        return this.getStringAttribute('dns_name');
    }
}
class FooThingEntryList extends cdktn.ComplexList {
    constructor(terraformResource, terraformAttribute, wrapsSet) {
        super(terraformResource, terraformAttribute, wrapsSet);
    }
}
class FooThing extends cdktn.TerraformResource {
    static [JSII_RTTI_SYMBOL_1] = { fqn: "@cdktn/provider-aws.fooThing.FooThing", version: "9.9.9" };
    static tfResourceType = "aws_foo_thing";
    // arn - computed: true, optional: false, required: false
    get arn() {
        return this.getStringAttribute('arn');
    }
    // name - computed: false, optional: false, required: true
    _name;
    get name() {
        return this.getStringAttribute('name');
    }
    // labels - computed: false, optional: true, required: false
    _labels;
    get labels() {
        return this.getStringMapAttribute('labels');
    }
    // tags_all - computed: true, optional: false, required: false
    _tagsAll = new cdktn.StringMap(this, "tags_all");
    get tagsAll() {
        return this._tagsAll;
    }
    // entry - computed: true, optional: false, required: false
    _entry = new FooThingEntryList(this, "entry", false);
    get entry() {
        return this._entry;
    }
    // blk - computed: false, optional: true, required: false
    _blk = new FooThingBlkOutputReference(this, "blk");
    get blk() {
        return this._blk;
    }
    // rule - computed: false, optional: false, required: true
    _rule = new FooThingRuleList(this, "rule", true);
    get rule() {
        return this._rule;
    }
    // timeouts - computed: false, optional: true, required: false
    _timeouts = new FooThingTimeoutsOutputReference(this, "timeouts");
    get timeouts() {
        return this._timeouts;
    }
}
"""


def _struct(name: str, props: list[tuple[str, bool, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "kind": "interface",
        "datatype": True,
        "fqn": f"{NS}.{name}",
        "properties": [{"name": n, "optional": o, "type": t} for n, o, t in props],
    }


def _assembly(version: str = "6.1.0") -> dict[str, Any]:
    string = {"primitive": "string"}
    resolvable = {"fqn": "cdktn.IResolvable"}
    types = {
        f"{NS}.FooThing": {"kind": "class", "fqn": f"{NS}.FooThing", "docs": DOC},
        f"{NS}.FooThingConfig": _struct(
            "FooThingConfig",
            [
                ("name", False, string),
                ("labels", True, {"collection": {"kind": "map", "elementtype": string}}),
                ("blk", True, {"fqn": f"{NS}.FooThingBlk"}),
                (
                    "rule",
                    False,
                    {
                        "union": {
                            "types": [
                                resolvable,
                                {"collection": {"kind": "array", "elementtype": {"fqn": f"{NS}.FooThingRule"}}},
                            ]
                        }
                    },
                ),
                ("timeouts", True, {"fqn": f"{NS}.FooThingTimeouts"}),
            ],
        ),
        f"{NS}.FooThingBlk": _struct("FooThingBlk", [("size", False, {"primitive": "number"})]),
        f"{NS}.FooThingRule": _struct(
            "FooThingRule",
            [
                ("ids", True, {"collection": {"kind": "array", "elementtype": string}}),
                ("enabled", True, {"union": {"types": [{"primitive": "boolean"}, resolvable]}}),
            ],
        ),
        f"{NS}.FooThingTimeouts": _struct("FooThingTimeouts", [("create", True, string)]),
        f"{NS}.FooThingEntry": _struct("FooThingEntry", []),
    }
    readme = f"# bindings for hashicorp/aws provider version {version}\nhttps://registry.terraform.io/providers/hashicorp/aws/{version}/docs"
    return {"name": "@cdktn/provider-aws", "version": "9.9.9", "readme": {"markdown": readme}, "types": types}


def _tarball(path: Path, assembly: dict[str, Any] | None, bindings: str | None = BINDINGS) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        members = {}
        if assembly is not None:
            members["package/.jsii"] = json.dumps(assembly).encode()
        if bindings is not None:
            members["package/lib/foo-thing/index.js"] = bindings.encode()
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _extract(
    script: ModuleType, tmp_path: Path, assembly: dict[str, Any] | None = None, bindings: str | None = BINDINGS
) -> dict[str, Any]:
    tarball = _tarball(tmp_path / "pkg.jsii.tgz", _assembly() if assembly is None else assembly, bindings)
    empty = tmp_path / "no-modules"
    empty.mkdir(exist_ok=True)
    return script.extract(tarball, empty, ("aws_foo_thing",), ())


def test_decision_rules_on_a_synthetic_package(extract_script: ModuleType, tmp_path: Path) -> None:
    schema = _extract(extract_script, tmp_path)
    assert schema["provider"] == {
        "source": "hashicorp/aws",
        "version": "6.1.0",
        "extracted_from": "cdktn-provider-aws 9.9.9",
    }
    assert schema["data_source_schemas"] == {}
    foo = schema["resource_schemas"]["aws_foo_thing"]
    attrs = foo["attributes"]
    flags = {n: (a["required"], a["optional"], a["computed"]) for n, a in attrs.items()}
    assert flags == {
        "arn": (False, False, True),
        "name": (True, False, False),
        "labels": (False, True, False),
        "tags_all": (False, False, True),
        "entry": (False, False, True),
    }
    assert attrs["labels"]["type"] == ["map", "string"]
    assert attrs["tags_all"]["type"] == ["map", "string"]
    assert attrs["entry"]["type"] == ["list", ["object", {"dns_name": "string"}]]
    blocks = foo["block_types"]
    assert {n: (b["nesting_mode"], b["min_items"], b["max_items"]) for n, b in blocks.items()} == {
        "blk": ("list", 0, 1),
        "rule": ("set", 1, 0),
        "timeouts": ("single", 0, 0),
    }
    assert blocks["rule"]["block"]["attributes"]["ids"]["type"] == ["set", "string"]
    assert blocks["rule"]["block"]["attributes"]["enabled"]["type"] == "bool"
    assert blocks["blk"]["block"]["attributes"]["size"]["required"] is True


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda a, b: (
                a,
                b.replace(
                    "// name - computed: false, optional: false, required: true",
                    "// name - computed: false, optional: true, required: false",
                ),
            ),
            "required flag differs",
        ),
        (
            lambda a, b: (a, b.replace("// arn - computed: true", "// arn - computed: false")),
            "neither settable nor computed",
        ),
        (
            lambda a, b: (a, b.replace("this.getStringMapAttribute('labels')", "this.getWeirdAttribute('labels')")),
            "unrecognised getter",
        ),
        (
            lambda a, b: (a, b.replace("getStringMapAttribute('labels')", "getNumberAttribute('labels')")),
            "does not match",
        ),
        (
            lambda a, b: (
                a,
                b.replace(
                    "super(terraformResource, terraformAttribute, false, 0)",
                    "super(terraformResource, terraformAttribute, true, 3)",
                ),
            ),
            "unknown nesting",
        ),
        (
            lambda a, b: (a, b.replace('static tfResourceType = "aws_foo_thing"', 'static tfResourceType = "aws_bar"')),
            "expected one class",
        ),
        (lambda a, b: ({**a, "name": "@other/pkg"}, b), "expected @cdktn/provider-aws"),
        (lambda a, b: (_assembly("5.9.0"), b), "targets 6.x"),
        (lambda a, b: (a, None), "bindings not found"),
    ],
)
def test_disagreements_abort_the_extraction(
    extract_script: ModuleType, tmp_path: Path, mutate: Any, message: str
) -> None:
    assembly, bindings = mutate(_assembly(), BINDINGS)
    with pytest.raises(extract_script.ExtractionError, match=message):
        _extract(extract_script, tmp_path, assembly, bindings)


def test_tarball_without_assembly(extract_script: ModuleType, tmp_path: Path) -> None:
    tarball = _tarball(tmp_path / "x.tgz", None)
    with pytest.raises(extract_script.ExtractionError, match=r"no package/\.jsii"):
        extract_script.read_package(tarball, {"foo-thing"})


def test_package_not_installed_names_the_install_command(
    extract_script: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(extract_script.ExtractionError, match="pip install cdktn-provider-aws"):
        extract_script.find_tarball()


def test_check_mode_and_atomic_write(
    extract_script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = {
        "provider": {"source": "hashicorp/aws", "version": "6.1.0"},
        "resource_schemas": {},
        "data_source_schemas": {},
    }
    monkeypatch.setattr(extract_script, "extract", lambda: schema)
    out = tmp_path / "sub" / "schema.json"
    assert extract_script.main(["--check", "--output", str(out)]) == 1
    assert "stale" in capsys.readouterr().err
    assert extract_script.main(["--output", str(out)]) == 0
    assert json.loads(out.read_text()) == schema
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in out.parent.iterdir()] == ["schema.json"]  # no temp file left
    assert extract_script.main(["--check", "--output", str(out)]) == 0


def test_extraction_error_exits_2_without_traceback(
    extract_script: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def fail() -> None:
        raise extract_script.ExtractionError("cdktn-provider-aws is not installed")

    monkeypatch.setattr(extract_script, "extract", fail)
    assert extract_script.main(["--output", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cdktn-provider-aws is not installed") and "Traceback" not in err
    assert not (tmp_path / "s.json").exists()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("cdktn_provider_aws") is None, reason="cdktn-provider-aws not installed")
def test_committed_schema_matches_a_fresh_extraction(extract_script: ModuleType) -> None:
    started = time.monotonic()
    fresh = extract_script.render(extract_script.extract())
    assert time.monotonic() - started < 120
    assert fresh == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "strands_tf/schema/aws_provider_schema.json is stale: run .venv/bin/python scripts/extract_aws_schema.py"
    )


def test_script_lives_where_the_docs_say() -> None:
    assert (REPO_ROOT / "scripts" / "extract_aws_schema.py").is_file()


@pytest.mark.parametrize(
    "expr, parsed",
    [
        ("this.getStringAttribute('x')", ("getStringAttribute", "x", False)),
        ("cdktn.Fn.tolist(this.getListAttribute('ids'))", ("getListAttribute", "ids", True)),
        (
            "cdktn.Token.asNumberList(cdktn.Fn.tolist(this.getNumberListAttribute('ports')))",
            ("getNumberListAttribute", "ports", True),
        ),
        ("cdktn.Token.asNumberList(this.getStringAttribute('x'))", None),
        ("this.getStringAttribute('x'))", None),
        ("this.interpolationForAttribute('tags')x", None),
        ("this._value", None),
    ],
)
def test_getter_expressions(extract_script: ModuleType, expr: str, parsed: tuple[str, str, bool] | None) -> None:
    assert extract_script.parse_getter(expr) == parsed
