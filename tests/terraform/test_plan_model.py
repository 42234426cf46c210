"""Plan JSON model: every shared fixture, each action kind, masking, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import strands_tf.terraform.plan as plan_module
from strands_tf.terraform.plan import (
    SENSITIVE,
    UNKNOWN,
    PlanError,
    build_address,
    config_address,
    load_plan,
    mask_value,
    parse_address,
    parse_plan_bytes,
    parse_plan_dict,
)

# Facts read off each fixture by hand: (format_version, terraform_version, {action: count}).
PLAN_FACTS: dict[str, tuple[str, str | None, dict[str, int]]] = {
    "checkov_tf0.13.6_dynamodb_iam_policy_s3_create.json": ("0.1", "0.13.6", {"create": 3}),
    "checkov_tf1.1.5_iam_role_user_group_policies_prior_state.json": ("1.0", "1.1.5", {"create": 7}),
    "checkov_tf1.2.4_replace_create_delete_secretsmanager.json": ("1.1", "1.2.4", {"replace": 1}),
    "checkov_tf1.3.9_s3_bucket_policy_iam_doc_read_config_unknown.json": (
        "1.1",
        "1.3.9",
        {"create": 2, "read": 1},
    ),
    "checkov_tf1.4.6_update_security_group_rule.json": ("1.1", "1.4.6", {"update": 2}),
    "checkov_tf1.5.7_fmt1.2_iam_role_oidc_read_reasons_foreach.json": ("1.2", "1.5.7", {"create": 5, "read": 4}),
    "terraform_v1.5.7_showjson_expected_basic-delete.json": ("1.0", None, {"update": 1, "delete": 1}),
    "terraform_v1.5.7_showjson_expected_drift.json": ("1.0", None, {"update": 2}),
    "terraform_v1.5.7_showjson_expected_moved-drift.json": ("1.0", None, {"update": 2}),
    "terraform_v1.5.7_showjson_expected_requires-replace.json": ("1.0", None, {"replace": 1}),
    "terraform_v1.5.7_showjson_expected_sensitive-values.json": ("1.0", None, {"create": 1}),
    "tfcompliance_issue249_tf0.12.24_lambda_iam_alb_asg_update_noop.json": (
        "0.1",
        "0.12.24",
        {"create": 2, "update": 4, "no-op": 18},
    ),
    "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json": (
        "0.1",
        "1.0.0",
        {"create": 5, "update": 1, "delete": 2, "no-op": 7},
    ),
    "tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json": ("1.2", "1.14.9", {"create": 2}),
    "tfcompliance_tf1.0.7_lambda_iam_loggroup_create.json": ("0.2", "1.0.7", {"create": 10}),
    "tfjson_tf1.13dev_update_with_identity.json": ("1.2", "1.13.0-dev", {"update": 1}),
    "tfjson_tf1.15.0_replace_because_tainted_null_resource.json": ("1.2", "1.15.0", {"replace": 1}),
}


def _plans(shared: Path) -> list[Path]:
    return sorted((shared / "plans").glob("*.json"))


def test_every_plan_fixture_has_facts(shared_fixtures: Path) -> None:
    assert {p.name for p in _plans(shared_fixtures)} == set(PLAN_FACTS)


@pytest.mark.parametrize("name", sorted(PLAN_FACTS))
def test_fixture_versions_and_action_counts(shared_fixtures: Path, name: str) -> None:
    fmt, tf_version, counts = PLAN_FACTS[name]
    plan = load_plan(shared_fixtures / "plans" / name)
    assert plan.format_version == fmt
    assert plan.terraform_version == tf_version
    seen: dict[str, int] = {}
    for rc in plan.resource_changes:
        seen[rc.action] = seen.get(rc.action, 0) + 1
    assert seen == counts
    # Masking every value of a real plan never raises and keeps "after" keys.
    for rc in plan.resource_changes:
        masked = rc.masked_after()
        if isinstance(rc.after, dict):
            assert set(rc.after) <= set(masked)


def test_replace_both_orders_and_reasons(shared_fixtures: Path) -> None:
    plans = shared_fixtures / "plans"
    cbd = load_plan(plans / "checkov_tf1.2.4_replace_create_delete_secretsmanager.json").resource_changes[0]
    assert cbd.actions == ("create", "delete")
    assert (cbd.action, cbd.replace_order) == ("replace", "create_before_destroy")

    rr = load_plan(plans / "terraform_v1.5.7_showjson_expected_requires-replace.json").resource_changes[0]
    assert rr.actions == ("delete", "create")
    assert (rr.action, rr.replace_order) == ("replace", "delete_before_create")
    assert rr.action_reason == "replace_because_cannot_update"
    assert rr.replace_paths == [["ami"]]

    tainted = load_plan(plans / "tfjson_tf1.15.0_replace_because_tainted_null_resource.json")
    assert tainted.resource_changes[0].action_reason == "replace_because_tainted"


def test_read_reasons_for_each_keys_and_modules(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "checkov_tf1.5.7_fmt1.2_iam_role_oidc_read_reasons_foreach.json")
    reads = {rc.address: rc.action_reason for rc in plan.resource_changes if rc.action == "read"}
    assert reads['module.poc.data.aws_iam_policy_document.r4["p1"]'] == "read_because_dependency_pending"
    assert reads['module.poc.data.aws_iam_policy_document.r3["p2"]'] == "read_because_config_unknown"
    role = plan.get('module.poc.aws_iam_role.r6["p1"]')
    assert role is not None and role.index == "p1" and role.module_address == "module.poc"
    assert role.mode == "managed" and role.type == "aws_iam_role" and role.name == "r6"


def test_delete_reason_and_outputs(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "terraform_v1.5.7_showjson_expected_basic-delete.json")
    gone = plan.get("test_instance.test-delete")
    assert gone is not None and gone.action == "delete"
    assert gone.action_reason == "delete_because_no_resource_config"
    assert plan.output_changes["test"].action == "create"


def test_drift_entries_without_address_get_one(shared_fixtures: Path) -> None:
    # Format 0.1 drift entries carry no "address"; it is rebuilt from module/type/name/index.
    plan = load_plan(shared_fixtures / "plans" / "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json")
    addresses = {d.address for d in plan.resource_drift}
    assert "aws_cloudwatch_event_rule.metrics_schedule" in addresses
    assert len(plan.resource_drift) == 15
    out = plan.output_changes["lambda_function_arn"]
    assert out.masked_after() == UNKNOWN


def test_moved_drift_keeps_previous_address(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "terraform_v1.5.7_showjson_expected_moved-drift.json")
    moved = plan.get("test_instance.should_refresh_with_move")
    assert moved is not None and moved.previous_address == "test_instance.should_refresh"
    assert [d.address for d in plan.resource_drift] == ["test_instance.should_refresh_with_move"]
    assert plan.resource_drift[0].changed_attributes() == ["ami"]


def test_import_identity_plan(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "tfjson_tf1.13dev_update_with_identity.json")
    rc = plan.resource_changes[0]
    assert rc.action == "update" and rc.is_import
    assert rc.importing == {"identity": {"email": "a@example.com"}}


def test_sensitive_values_fixture_masks_everywhere(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "terraform_v1.5.7_showjson_expected_sensitive-values.json")
    rc = plan.resource_changes[0]
    assert rc.masked_after() == {"ami": SENSITIVE, "id": UNKNOWN}
    out = plan.output_changes["test"]
    assert out.sensitive and out.masked_after() == SENSITIVE
    assert "boop" not in json.dumps([rc.masked_after(), out.masked_after(), out.masked_before()])


def test_module_addresses_nested_with_count(shared_fixtures: Path) -> None:
    plan = load_plan(shared_fixtures / "plans" / "tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json")
    inner = plan.resource_changes[1]
    assert inner.module_address == "module.outer[0].module.inner"
    assert plan.complete is True or plan.complete is None
    assert plan.errored is False


def _minimal(actions: list[str], **change: object) -> dict:
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.b",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "b",
                "change": {"actions": actions, "before": None, "after": {}, **change},
            }
        ],
    }


@pytest.mark.parametrize(
    ("actions", "action", "order"),
    [
        (["no-op"], "no-op", None),
        (["create"], "create", None),
        (["read"], "read", None),
        (["update"], "update", None),
        (["delete", "create"], "replace", "delete_before_create"),
        (["create", "delete"], "replace", "create_before_destroy"),
        (["delete"], "delete", None),
        (["forget"], "forget", None),
        (["create", "forget"], "replace", "create_then_forget"),
    ],
)
def test_every_action_normalizes(actions: list[str], action: str, order: str | None) -> None:
    rc = parse_plan_dict(_minimal(actions)).resource_changes[0]
    assert (rc.action, rc.replace_order) == (action, order)


def test_noop_with_importing_is_import() -> None:
    rc = parse_plan_dict(_minimal(["no-op"], importing={"id": "bucket-1"})).resource_changes[0]
    assert rc.action == "import" and rc.is_import and rc.changes


def test_unknown_keys_ignored_and_future_minor_accepted() -> None:
    doc = _minimal(["create"])
    doc["format_version"] = "1.9"
    doc["brand_new_top_level"] = {"x": 1}
    doc["resource_changes"][0]["brand_new_key"] = True
    plan = parse_plan_dict(doc)
    assert plan.resource_changes[0].action == "create"


def test_major_2_refused() -> None:
    doc = _minimal(["create"])
    doc["format_version"] = "2.0"
    with pytest.raises(PlanError, match=r"format_version 2\.0 is not supported"):
        parse_plan_dict(doc)


def test_tfstate_is_not_a_plan(shared_fixtures: Path) -> None:
    with pytest.raises(PlanError, match="Terraform state file") as exc:
        load_plan(shared_fixtures / "state" / "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json")
    assert "terraform show -json" in (exc.value.hint or "")


def test_ui_log_is_not_a_plan(shared_fixtures: Path) -> None:
    with pytest.raises(PlanError, match="machine-readable UI log"):
        load_plan(shared_fixtures / "ui" / "terraform_v1.5.7_cloud_testdata_plan-json-full_plan.jsonl")


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"[1, 2]", "array"),
        (b'{"hello": "world"}', "no format_version"),
        (b'{"format_version": "1.2", "foo": 1}', "none of resource_changes"),
        (b'{"format_version": "x.y", "resource_changes": []}', "not a version number"),
        (b'{"format_version": "1.2", "resource_changes": {}}', "resource_changes is not a list"),
        (b'{"format_version": "1.2", "resource_changes": [{"address": "a.b"}]}', r"resource_changes\[0\]\.change"),
        (
            b'{"format_version": "1.2", "resource_changes": [{"address": "a.b", "change": {"actions": "create"}}]}',
            "actions is missing or not a list",
        ),
        (b'{"format_version": "1.2",\n "resource_changes": [}', "line 2, column"),
        (b"\xff\xfe\x00garbage", "not|invalid"),
    ],
)
def test_bad_input_clear_errors(data: bytes, pattern: str) -> None:
    with pytest.raises(PlanError, match=pattern):
        parse_plan_bytes(data, "plan.json")


def test_truncated_plan_names_line_and_column(shared_fixtures: Path, tmp_path: Path) -> None:
    src = (shared_fixtures / "plans" / "tfcompliance_tf1.0.7_lambda_iam_loggroup_create.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(src[: len(src) // 2])
    with pytest.raises(PlanError, match=r"truncated JSON: the file ends early \(line \d+, column \d+\)") as exc:
        load_plan(cut)
    assert str(cut) in exc.value.summary


def test_missing_directory_and_binary_plan(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="file not found"):
        load_plan(tmp_path / "nope.json")
    with pytest.raises(PlanError, match="is a directory"):
        load_plan(tmp_path)
    binary = tmp_path / "tfplan"
    binary.write_bytes(b"PK\x03\x04rest-of-zip")
    with pytest.raises(PlanError, match="binary plan file") as exc:
        load_plan(binary)
    assert "terraform show -json tfplan" in (exc.value.hint or "")


def test_huge_plan_with_megabyte_values(tmp_path: Path) -> None:
    big = "x" * (2 * 1024 * 1024)
    doc = _minimal(["create"])
    doc["resource_changes"][0]["change"]["after"] = {"policy": big}
    doc["resource_changes"] *= 1
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    plan = load_plan(path)
    assert len(plan.resource_changes[0].after["policy"]) == len(big)


# -- masking


def test_mask_deep_nested_blocks_lists_maps() -> None:
    after = {
        "name": "fn",
        "environment": [{"variables": {"API_KEY": "s3cr3t", "MODE": "prod"}}],
        "tags": {"team": "a"},
        "list": ["a", None, "c"],
    }
    sens = {"environment": [{"variables": {"API_KEY": True}}], "tags": {}}
    unknown = {"arn": True, "list": [False, True, False], "environment": [{"variables": {}}]}
    masked = mask_value(after, sens, unknown)
    assert masked == {
        "name": "fn",
        "environment": [{"variables": {"API_KEY": SENSITIVE, "MODE": "prod"}}],
        "tags": {"team": "a"},
        "list": ["a", UNKNOWN, "c"],
        "arn": UNKNOWN,
    }
    assert after["environment"][0]["variables"]["API_KEY"] == "s3cr3t"  # input untouched


def test_mask_whole_value_and_shape_mismatch() -> None:
    assert mask_value({"a": 1}, True) == SENSITIVE
    assert mask_value("x", False, True) == UNKNOWN
    # A container marker over a scalar never lets the scalar through.
    assert mask_value("secret", {"a": True}) == SENSITIVE
    assert mask_value(["a"], {"k": True}) == SENSITIVE
    assert mask_value(None, False, [True, False]) == [UNKNOWN, None]


# -- addresses


def test_addresses_with_keys_containing_dots() -> None:
    addr = 'module.a["x.y"].module.b[0].data.aws_iam_policy_document.d["k]."]'
    assert config_address(addr) == "module.a.module.b.data.aws_iam_policy_document.d"
    parsed = parse_address(addr)
    assert parsed.module == 'module.a["x.y"].module.b[0]'
    assert (parsed.mode, parsed.type, parsed.name, parsed.key) == ("data", "aws_iam_policy_document", "d", '"k]."')
    assert build_address("module.m", "managed", "aws_x", "y", "k") == 'module.m.aws_x.y["k"]'
    assert build_address(None, "data", "aws_x", "y", 0) == "data.aws_x.y[0]"
    with pytest.raises(ValueError):
        parse_address("module.only")


# -- the streaming file reader (load_plan) against the plain decoder


def _big_doc() -> dict:
    doc = _minimal(["update"])
    doc["planned_values"] = {"root_module": {"resources": [{"address": "x", "values": {"v": "é" * 5000}}]}}
    doc["variables"] = {"greeting": {"value": "héllo wörld ✓"}}
    doc["prior_state"] = {"values": {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "depends_on": []}]}}}
    doc["configuration"] = {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "expressions": {}}]}}
    doc["output_changes"] = {"o": {"actions": ["create"], "before": None, "after": "ünïcode"}}
    doc["errored"] = True
    doc["resource_changes"][0]["change"]["before"] = {"name": "ä" * 3000, "tags": {"a": "1"}}
    doc["resource_changes"][0]["change"]["after"] = {"name": "ä" * 3000, "tags": {"a": "2"}}
    return doc


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("bom", [False, True])
def test_file_reader_matches_plain_decoder(
    tmp_path: Path, indent: int | None, bom: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_module, "_REREAD_MIN", 0)  # re-read after every large member, even here
    doc = _big_doc()
    text = json.dumps(doc, indent=indent, ensure_ascii=False)
    path = tmp_path / "plan.json"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    fast = load_plan(path)
    plain = parse_plan_dict(doc)
    assert fast.variables == plain.variables
    assert fast.configuration == plain.configuration == doc["configuration"]
    assert fast.prior_state == doc["prior_state"]
    assert fast.errored is True
    assert fast.output_changes["o"].after == "ünïcode"
    rc = fast.resource_changes[0]
    assert rc.after == doc["resource_changes"][0]["change"]["after"]
    assert rc.changed_attributes() == ["tags"]
    # Unchanged attributes are shared between before and after (memory), values stay equal.
    assert rc.after["name"] is rc.before["name"]


def test_file_reader_any_member_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "_REREAD_MIN", 0)
    doc = _big_doc()
    reordered = {k: doc[k] for k in reversed(list(doc))}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(reordered))
    plan = load_plan(path)
    assert plan.format_version == "1.2" and plan.resource_changes[0].action == "update"
    assert plan.configuration == doc["configuration"]


def test_file_reader_errors_point_into_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "_REREAD_MIN", 0)
    doc = _big_doc()
    text = json.dumps(doc, indent=2)
    # Break the JSON after resource_changes, in configuration (read after the text was re-read).
    broken = text.replace('"configuration": {', '"configuration": {,', 1)
    path = tmp_path / "plan.json"
    path.write_text(broken)
    line = broken[: broken.index('"configuration": {,')].count("\n") + 1
    with pytest.raises(PlanError, match=rf"invalid JSON at line {line}, column"):
        load_plan(path)
    path.write_text(text + "\n{}")
    with pytest.raises(PlanError, match="Extra data"):
        load_plan(path)
    path.write_text("[1, 2]")
    with pytest.raises(PlanError, match="array"):
        load_plan(path)
    path.write_bytes(b'{"format_version": "1.2", "resource_changes": [], "x": "\xff"}')
    with pytest.raises(PlanError, match="not a text file"):
        load_plan(path)


def test_utf16_plan_from_a_windows_shell_redirect(tmp_path: Path) -> None:
    # PowerShell's `>` writes UTF-16 with a byte order mark.
    path = tmp_path / "plan.json"
    path.write_bytes(json.dumps(_minimal(["create"])).encode("utf-16"))
    assert load_plan(path).resource_changes[0].action == "create"


def test_masked_variables(shared_fixtures: Path) -> None:
    plans = shared_fixtures / "plans"
    sens = load_plan(plans / "terraform_v1.5.7_showjson_expected_sensitive-values.json")
    assert sens.variables["test_var"]["value"] == "boop"
    assert sens.masked_variables() == {"test_var": SENSITIVE}
    plain = load_plan(plans / "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json")
    masked = plain.masked_variables()
    assert set(masked) == set(plain.variables)
    declared = plain.configuration["root_module"]["variables"]
    for name, value in masked.items():
        if declared.get(name, {}).get("sensitive"):
            assert value == SENSITIVE
        else:
            assert value == plain.variables[name]["value"]
    # no declarations at all: nothing is shown
    bare = parse_plan_dict({**_minimal(["create"]), "variables": {"token": {"value": "t0k3n"}}})
    assert bare.masked_variables() == {"token": SENSITIVE}
