"""The canvas's cost (issue 15, item 9): totals per service and per node in every snapshot, updated by edits."""

from __future__ import annotations

from decimal import Decimal

from strands_tf.config import load_project, resolve
from strands_tf.cost.estimate import estimate_configuration, money


def test_snapshot_carries_the_estimate_per_node_and_service(serve, copy_example) -> None:
    root = copy_example("simple-assistant")
    client = serve(root, watch=False)
    cost = client.project()["derived"]["cost"]
    estimate = estimate_configuration(resolve(load_project(root), cost_env := client.project()["environment"]))
    assert cost_env == "dev"
    assert cost["monthly_total"] == float(money(estimate.total))
    assert set(cost["by_node"]) == {"agent:assistant", "resource:conversations", "api", "alarms"}
    assert sum(Decimal(str(v)) for v in cost["by_node"].values()) == money(estimate.total)
    assert cost["by_service"]["Bedrock"] > 0
    assert set(cost["services_by_node"]["agent:assistant"]) >= {"Lambda", "Bedrock", "CloudWatch Logs"}


def test_an_edit_updates_the_estimate(serve, copy_example) -> None:
    root = copy_example("simple-assistant")
    client = serve(root, watch=False)
    before = client.project()["derived"]["cost"]["by_node"]["agent:assistant"]
    code, body = client.edit({"op": "set", "path": ["agents", "assistant", "memory"], "value": 2048})
    assert code == 200
    after = body["snapshot"]["derived"]["cost"]["by_node"]["agent:assistant"]
    assert after > before
    code, body = client.edit({"op": "add_resource", "name": "uploads", "type": "s3"})
    assert code == 200 and body["snapshot"]["derived"]["cost"]["by_node"]["resource:uploads"] > 0


def test_a_damaged_price_table_is_a_warning_not_a_broken_canvas(serve, copy_example, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache" / "prices").mkdir(parents=True)
    (tmp_path / "cache" / "prices" / "us-east-1.json").write_text("{")
    client = serve(copy_example("simple-assistant"), watch=False)
    snapshot = client.project()
    assert snapshot["derived"]["cost"] is None
    assert any("no cost estimate" in p["message"] for p in snapshot["problems"] if p["severity"] == "warning")
