"""Plan summaries as pull-request comments (issue 16 item 4): golden files from real plans, the split, the seams.

Regenerate the golden files after an intended change, then review the diff:

    STRANDS_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/ci/test_markdown.py -q
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest

from strands_tf.ci.markdown import COMMENT_TAG, GITHUB_COMMENT_LIMIT, PlanCost, StackReport, plan_cost, render_markdown
from strands_tf.terraform.plan import load_plan
from strands_tf.terraform.plan import parse_plan_dict as parse_plan
from strands_tf.terraform.plan_summary import Owner, module_owner_resolver, summarize

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("STRANDS_UPDATE_GOLDEN") == "1"

# plan file -> owners of module prefixes (as the project's graph would map them)
CASES: dict[str, dict[str, Owner]] = {
    "tfcompliance_issue522_tf1.0.0_lambda_iam_drift_delete_update.json": {},
    "terraform_v1.5.7_showjson_expected_requires-replace.json": {},
    "checkov_tf1.2.4_replace_create_delete_secretsmanager.json": {},
    "terraform_v1.5.7_showjson_expected_drift.json": {},
    "terraform_v1.5.7_showjson_expected_sensitive-values.json": {},
    "tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json": {
        "module.outer": Owner("agent", "support", "strands.yaml", 12),
    },
    "tfjson_tf1.15.0_replace_because_tainted_null_resource.json": {},
}


def _report(shared_fixtures: Path, name: str, owners: dict[str, Owner]) -> StackReport:
    plan = load_plan(shared_fixtures / "plans" / name)
    return StackReport(name.removesuffix(".json"), summarize(plan, module_owner_resolver(owners) if owners else None))


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_plans_match_golden_markdown(shared_fixtures: Path, name: str) -> None:
    comments = render_markdown([_report(shared_fixtures, name, CASES[name])], title=f"plan of {name}")
    assert len(comments) == 1
    golden = GOLDEN / (name.removesuffix(".json") + ".md")
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(comments[0], encoding="utf-8")
    assert comments[0] == golden.read_text(encoding="utf-8")


def test_replacements_and_deletes_come_first(shared_fixtures: Path) -> None:
    reports = [_report(shared_fixtures, n, CASES[n]) for n in sorted(CASES)]
    (comment,) = render_markdown(reports, title="all")
    first_stack = comment.index("#### `")
    destructive = comment.index("#### Replacements and deletions")
    drift = comment.index("#### Drift")
    assert destructive < drift < first_stack
    table = comment[destructive:drift]
    # deletes, then replacements, each with the reason Terraform gave
    assert table.index("| - |") < table.index("| -/+ |")
    assert "the object is tainted" in table
    assert comment.count("<details>") == comment.count("</details>")


def test_module_owner_and_yaml_line_are_shown(shared_fixtures: Path) -> None:
    name = "tfcompliance_issue796_tf1.14.9_fmt1.2_lambda_permission_modules.json"
    (comment,) = render_markdown([_report(shared_fixtures, name, CASES[name])], title="t")
    assert "<b>agent support (strands.yaml:12)</b>" in comment


def test_no_attribute_values_reach_the_comment(shared_fixtures: Path) -> None:
    """A PR comment is readable by everyone with repository access: names of changed attributes, no values."""
    path = shared_fixtures / "plans" / "terraform_v1.5.7_showjson_expected_sensitive-values.json"
    doc = json.loads(path.read_text())
    values: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) >= 6:
            values.add(value)

    for rc in doc["resource_changes"]:
        walk(rc["change"].get("after"))
        walk(rc["change"].get("before"))
    for oc in doc.get("output_changes", {}).values():
        walk(oc.get("after"))
    (comment,) = render_markdown([StackReport("s", summarize(parse_plan(doc)))], title="t")
    leaked = [v for v in values if v in comment]
    assert not leaked


def _big_plan(shared_fixtures: Path, copies: int) -> dict:
    name = "tfcompliance_issue249_tf0.12.24_lambda_iam_alb_asg_update_noop.json"
    doc = json.loads((shared_fixtures / "plans" / name).read_text())
    changes = []
    for i in range(copies):
        for rc in doc["resource_changes"]:
            item = copy.deepcopy(rc)
            item["address"] = f"module.agent_{i % 7}.{rc['address']}_{i}"
            item["module_address"] = f"module.agent_{i % 7}"
            item["name"] = f"{rc['name']}_{i}"
            changes.append(item)
    doc["resource_changes"] = changes
    return doc


@pytest.mark.parametrize("limit", [GITHUB_COMMENT_LIMIT, 9_000])
def test_large_plans_split_under_the_limit(shared_fixtures: Path, limit: int) -> None:
    doc = _big_plan(shared_fixtures, 400)
    owners = {f"module.agent_{i}": Owner("agent", f"a{i}", "strands.yaml", i + 1) for i in range(6)}
    summary = summarize(parse_plan(doc), module_owner_resolver(owners))
    comments = render_markdown([StackReport("big", summary)], title="big plan", limit=limit)
    assert len(comments) > 1
    for i, comment in enumerate(comments, 1):
        assert len(comment) <= limit, i
        assert comment.startswith(COMMENT_TAG)
        # every part renders on its own: its collapsible sections are balanced
        assert comment.count("<details>") == comment.count("</details>"), i
        if len(comments) > 1 and i > 1:
            assert f"part {i} of {len(comments)}" in comment
    text = "\n".join(comments)
    changed = [c.address for g in summary.groups for c in g.changes]
    for address in changed:
        assert text.count(f"`{address}`") == 1, address
    if limit < GITHUB_COMMENT_LIMIT:
        assert "(continued)</summary>" in text  # one owner's table did not fit one comment


def test_one_huge_line_cannot_overflow() -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket." + "x" * 80_000,
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "x" * 80_000,
                "change": {"actions": ["create"], "before": None, "after": {}, "after_unknown": {}},
            }
        ],
    }
    comments = render_markdown([StackReport("s", summarize(parse_plan(doc)))], title="t")
    assert all(len(c) <= GITHUB_COMMENT_LIMIT for c in comments)


def test_markdown_specials_in_addresses_are_escaped() -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": 'aws_s3_bucket.b["a|b`<script>"]',
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "b",
                "index": "a|b`<script>",
                "change": {"actions": ["delete"], "before": {}, "after": None},
            }
        ],
    }
    (comment,) = render_markdown([StackReport("s", summarize(parse_plan(doc)))], title="t")
    rows = [line for line in comment.splitlines() if "aws_s3_bucket.b" in line]
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) in (4, 6)  # the address's pipe is escaped, the columns stay
    assert "``" in rows[0]  # the backtick inside is fenced by a double-backtick span


def test_cost_section_only_with_estimates(shared_fixtures: Path) -> None:
    name = "terraform_v1.5.7_showjson_expected_requires-replace.json"
    report = _report(shared_fixtures, name, {})
    (without,) = render_markdown([report], title="t")
    assert "Cost" not in without
    cost = PlanCost("USD", 23.5, 10.0, "deployment 20261201T000000Z-abc", [("agent support", 20.0), ("api", 3.5)], "p")
    (with_cost,) = render_markdown([report], title="t", cost=cost)
    section = with_cost[with_cost.index("#### Cost") :]
    assert "| before (deployment 20261201T000000Z-abc) | $10.00 |" in section
    assert "| after this plan | $23.50 |" in section and "| change | **+$13.50** |" in section
    assert "| agent support | $20.00 |" in section
    assert with_cost.index("#### Cost") < with_cost.index("#### `")
    first = PlanCost("USD", 5.0, None, "nothing deployed", [], "")
    (fresh,) = render_markdown([report], title="t", cost=first)
    assert "| after this plan | $5.00 |" in fresh and "| change |" not in fresh


def test_plan_cost_reads_the_cost_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam with strands_tf.cost: its Estimate and CostDelta become a PlanCost."""
    from decimal import Decimal

    from strands_tf.cost.estimate import CostDelta, CostLine, Estimate
    from strands_tf.cost.estimate import Owner as CostOwner

    line = CostLine(CostOwner("agent", "support"), "Lambda", "requests", None, Decimal(1), "req", Decimal(1),
                    Decimal("12.345"), "", "k")  # fmt: skip
    estimate = Estimate("us-east-1", "USD", "AWS price list 2026-11", [line])
    cost = plan_cost(estimate, CostDelta(Decimal("2"), estimate.total, "what is deployed now"))
    assert cost.by_owner == [("agent support", 12.345)] and cost.monthly_before == 2.0
    (comment,) = render_markdown([], title="t", cost=cost)
    assert "| change | **+$10.35** |" in comment or "| change | **+$10.34** |" in comment
