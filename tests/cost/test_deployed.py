"""Estimates read back from deployment records: a damaged or crafted one is "not estimated", never a crash."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from strands_tf.cost.deployed import cost_change, monthly_total, read_cost_file

GOOD = {"monthly_total": 10.5, "currency": "USD", "by_service": {"Lambda": 1.5}, "by_owner": {"agent a": 10.5}}


@pytest.mark.parametrize("value", [True, False, "12", None, [], {}, 1e308, -1e308, float("inf"), float("nan")])
def test_a_total_that_is_not_an_amount_is_no_total(value: Any) -> None:
    assert monthly_total({"monthly_total": value}) is None


def test_a_real_total_is_read() -> None:
    assert str(monthly_total(GOOD)) == "10.5"
    assert str(monthly_total({"monthly_total": 3})) == "3"


@pytest.mark.parametrize(
    "damage",
    [
        {"by_owner": [None]},
        {"by_owner": 1},
        {"by_owner": "x"},
        {"by_owner": {"a": None}},
        {"by_owner": {"a": "lots"}},
        {"by_owner": {"a": True}},
        {"by_service": {"Lambda": 1e308}},
        {"by_service": {"Lambda": float("nan")}},
        {"monthly_total": True},
        {"monthly_total": 1e308},
    ],
)
def test_a_crafted_summary_does_not_break_the_change(damage: dict[str, Any]) -> None:
    change = cost_change(GOOD, {**GOOD, **damage})
    if "monthly_total" in damage:
        assert change is None
        return
    assert change is not None and change["delta"] == 0.0
    json.dumps(change, allow_nan=False)  # a --json output stays valid JSON
    title = next(iter(damage))
    assert all(math.isfinite(v) for v in change[title].values())  # what cannot be read counts as nothing


def test_a_cost_file_with_a_crafted_total_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "cost.json").write_text('{"monthly_total": 1e999}')
    assert read_cost_file(tmp_path) is None


def test_a_cost_file_nested_too_deeply_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "cost.json").write_text("[" * 100_000 + "]" * 100_000)
    assert read_cost_file(tmp_path) is None
