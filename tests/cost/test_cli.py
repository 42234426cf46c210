"""`strands cost ...` through the real entry point: output, JSON, real public plans, bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import SAMPLE, run_cli

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans"


def test_estimate_text_and_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local", "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["environment"] == "local" and doc["basis"] == "configuration"
    assert doc["monthly_total"] == pytest.approx(sum(line["monthly"] for line in doc["lines"]), abs=0.05)
    assert {"Lambda", "Bedrock", "DynamoDB"} <= set(doc["by_service"])
    text = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local"], monkeypatch, capsys)
    assert text.code == 0 and f"total ${doc['monthly_total']:,.2f} a month" in text.out
    assert "(default)" in text.out  # every line says which usage it assumed
    summary = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local", "--summary"], monkeypatch, capsys)
    assert summary.code == 0 and "Lambda requests" not in summary.out and "total $" in summary.out


def test_estimate_of_a_real_public_plan(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    plan = FIXTURES / "checkov_tf0.13.6_dynamodb_iam_policy_s3_create.json"
    if not plan.is_file():
        pytest.skip("the shared fixtures are not next to this checkout")
    result = run_cli(
        ["-C", str(SAMPLE), "cost", "estimate", "-e", "local", "--plan", str(plan), "--json"], monkeypatch, capsys
    )
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["basis"] == "plan"
    lines = {(line["address"], line["component"]): line for line in doc["lines"]}
    reads = lines[("aws_dynamodb_table.cross-environment-violations", "provisioned read capacity")]
    assert Decimal(reads["monthly_exact"]) == 20 * 730 * Decimal("0.00013")


def test_estimate_of_something_that_is_not_a_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "state.json"
    bogus.write_text(json.dumps({"version": 4, "resources": []}))
    result = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local", "--plan", str(bogus)], monkeypatch, capsys)
    assert result.code == 1 and "not a plan" in result.err and "Traceback" not in result.err


def test_damaged_price_table_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path))
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "us-east-1.json").write_text('{"format_version": 1, "region": "us-east-1"')
    result = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local"], monkeypatch, capsys)
    assert result.code == 1 and "not valid JSON" in result.err and "prices update" in result.err
    (tmp_path / "prices" / "us-east-1.json").write_text('{"format_version": 9}')
    result = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local"], monkeypatch, capsys)
    assert result.code == 1 and "is not usable" in result.err


def test_updated_table_in_the_cache_wins_over_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib import resources

    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path))
    doc: dict[str, Any] = json.loads((resources.files("strands_tf.cost") / "prices" / "us-east-1.json").read_text())
    doc["as_of"] = "2027-01-01"
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "us-east-1.json").write_text(json.dumps(doc))
    result = run_cli(["-C", str(SAMPLE), "cost", "estimate", "-e", "local", "--json"], monkeypatch, capsys)
    assert json.loads(result.out)["prices"] == "us-east-1 prices of 2027-01-01"


def test_region_without_a_table_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "agents" / "a").mkdir(parents=True)
    (tmp_path / "agents" / "a" / "app.py").write_text("def handler(e, c):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(
        "version: 1\nproject: eu\nregion: eu-west-1\nagents:\n  a: {path: agents/a}\n"
    )
    result = run_cli(["-C", str(tmp_path), "cost", "estimate", "-e", "local"], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "us-east-1 prices of" in result.out and "(no table for eu-west-1)" in result.out
    assert "`strands cost prices update` fetches that region's prices" in result.out


def test_cost_is_listed_in_help(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    top = run_cli(["--help"], monkeypatch, capsys)
    assert "cost" in top.out and "model tokens" in top.out
    group = run_cli(["cost", "--help"], monkeypatch, capsys)
    for command in ("estimate", "diff", "report", "tags", "prices"):
        assert command in group.out


def test_prices_update_on_the_emulator_says_it_has_no_price_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was an internal error (the emulator answered GetProducts with HTTP 500, a ClientError escaped)."""
    result = run_cli(["-C", str(SAMPLE), "cost", "prices", "update", "-e", "local", "--json"], monkeypatch, capsys)
    assert result.code == 1, result.out + result.err
    error = json.loads(result.out)["error"]
    assert "no Price List API" in error["summary"] and "-e <aws environment>" in error["hint"]
    assert not (SAMPLE / ".strands" / "emulator.json").exists()  # decided before anything started
