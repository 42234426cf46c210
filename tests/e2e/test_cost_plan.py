"""Cost on the offline target: the plan line and its delta, the estimate recorded with a deployment, cost diff.

Also the cross-check of the two ways the estimator reads a project: the configuration expanded offline
(`strands cost estimate`) and a real Terraform plan of it (`strands plan`) price to the same total.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "simple-assistant"


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "simple-assistant"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    usage = "usage:\n  defaults: {invocations: 100000, duration_ms: 2000, input_tokens: 1000, output_tokens: 500}\n"
    (root / "strands.yaml").write_text((root / "strands.yaml").read_text() + usage)
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def _cost(plan: dict[str, Any]) -> tuple[float, float | None, str]:
    change = plan["cost"]["change"]
    return change["monthly"], change["delta"], change["baseline"]


def _deployments(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".strands" / "deployments").iterdir() if p.is_dir())


def test_plan_cost_line_delta_record_and_diff(project: Project) -> None:
    first = project.plan()
    monthly, delta, baseline = _cost(first)
    assert baseline == "nothing deployed" and delta == monthly > 0
    offline = json.loads(project.run("cost", "estimate", "-e", "local", "--json").stdout)
    # the configuration expanded offline and Terraform's real plan of it price the same
    assert offline["monthly_total"] == monthly
    assert {line["address"] for line in offline["lines"]} == {
        line["address"] for line in first["cost"]["estimate"]["lines"]
    }
    text = project.run("plan", "-e", "local").stdout
    assert f"cost: ${monthly:,.2f} a month (+${monthly:,.2f} vs nothing deployed)" in text

    project.run("apply", "-e", "local", "--auto-approve")
    (deployment,) = _deployments(project.root)
    recorded = json.loads((deployment / "cost.json").read_text())
    assert recorded["monthly_total"] == monthly and recorded["basis"] == "state"
    shown = json.loads(project.run("history", "show", deployment.name, "-e", "local", "--json").stdout)
    assert shown["cost"]["monthly_total"] == monthly

    # nothing changed: no cost change against the recorded deployment
    assert _cost(project.plan()) == (monthly, 0.0, f"deployment {deployment.name}")

    # more memory: a higher plan line; more usage alone (no resource change): a delta too
    config = project.root / "strands.yaml"
    config.write_text(config.read_text().replace("invocations: 100000", "invocations: 200000"))
    busier, delta, _ = _cost(project.plan())
    assert delta is not None and delta > 0 and busier == pytest.approx(monthly + delta)
    config.write_text(config.read_text().replace("memory: 512", "memory: 1024"))
    bigger, delta_memory, _ = _cost(project.plan())
    assert bigger > busier and delta_memory == pytest.approx(bigger - monthly)

    project.run("apply", "-e", "local", "--auto-approve")
    first_id, second_id = (d.name for d in _deployments(project.root))
    diffed = json.loads(project.run("cost", "diff", first_id, second_id, "-e", "local", "--json").stdout)
    assert diffed["cost"]["before"] == monthly and diffed["cost"]["after"] == pytest.approx(bigger)
    assert diffed["cost"]["by_service"]["Bedrock"] > 0 and diffed["cost"]["by_service"]["Lambda"] > 0
    history_diff = json.loads(project.run("history", "diff", first_id, second_id, "-e", "local", "--json").stdout)
    assert history_diff["cost"] == diffed["cost"]
    human = project.run("cost", "diff", first_id, second_id, "-e", "local").stdout
    assert f"${monthly:,.2f} → ${bigger:,.2f} a month" in human
