"""checkov (offline, `--skip-download`) judges the HCL export of the sample config and of every template.

checkov lives in its own virtualenv: ``python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov``.
It runs with the repository's allowlist (.checkov.yaml, one reason per skipped check).

One check fails on purpose outside that allowlist: CKV_AWS_338 (log groups keep logs for at least a year)
flags the 30-day `log_retention_days` the sample and the templates choose in strands.yaml. The generator
writes what the user configured; the test proves it by synthesizing the sample again with 365 days, which
must pass with no failure at all, and accepts CKV_AWS_338 only on log groups whose retention the user set
below 365 days.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from strands_tf.scaffold import scaffold

from .conftest import CHECKOV, CHECKOV_CONFIG, SAMPLE, copy_project, synth

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHECKOV.exists(), reason="checkov not installed in .venv-checkov"),
]
# check id -> why a failure of it is the user's configuration, not the generator's choice
CONFIG_DRIVEN = {"CKV_AWS_338": "log_retention_days below 365 in strands.yaml"}
LOG_GROUPS = {"aws_cloudwatch_log_group.this", "aws_cloudwatch_log_group.access"}


def run_checkov(directory: Path) -> dict[str, Any]:
    """checkov on one directory (and below) with the repository's allowlist; the JSON report."""
    args = [str(CHECKOV), "-d", str(directory), "-o", "json", "--framework", "terraform", "--skip-download",
            "--config-file", str(CHECKOV_CONFIG)]  # fmt: skip
    # cwd outside the repository so checkov cannot pick up .checkov.yaml (or anything else) on its own
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd="/", check=False)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    return report[0] if isinstance(report, list) else report


def failures(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((c["check_id"], c["resource"]) for c in report.get("results", {}).get("failed_checks", []))


def _per_agent(root: Path) -> Path:
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    return root


def _year_of_logs(root: Path) -> Path:
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("log_retention_days: 30", "log_retention_days: 365"))
    return root


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("checkov")
    exports: dict[str, Path] = {}
    for env in ("dev", "local"):
        root = copy_project(SAMPLE, base / f"sample-{env}")
        synth(root, env, hcl=root / "infra")
        exports[f"sample-{env}"] = root / "infra"
    root = _per_agent(copy_project(SAMPLE, base / "sample-per-agent"))
    synth(root, "dev", hcl=root / "infra")
    exports["sample-per-agent"] = root / "infra"
    root = _year_of_logs(copy_project(SAMPLE, base / "sample-365"))
    synth(root, "dev", hcl=root / "infra")
    exports["sample-365"] = root / "infra"
    for template in ("simple", "event-driven", "monorepo"):
        root = base / template
        scaffold(root, template, name="demo")
        synth(root, "dev", hcl=root / "infra")
        exports[template] = root / "infra"
    # checkov spends most of its time starting up: run the directories side by side
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(exports, pool.map(run_checkov, exports.values()), strict=True))


@pytest.mark.parametrize(
    "case", ["sample-dev", "sample-local", "sample-per-agent", "simple", "event-driven", "monorepo"]
)
def test_no_failed_checks_beyond_the_allowlist(reports: dict[str, dict[str, Any]], case: str) -> None:
    report = reports[case]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 40
    unexpected = [
        (check, resource)
        for check, resource in failures(report)
        if not (check in CONFIG_DRIVEN and resource.split(".", 2)[-1] in LOG_GROUPS)
    ]
    assert unexpected == []


def test_a_year_of_logs_passes_every_check(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["sample-365"]
    assert report["summary"]["parsing_errors"] == 0
    assert failures(report) == []
    # and the same project with 30 days fails exactly that check: the tolerance above is needed
    assert {check for check, _ in failures(reports["sample-dev"])} == set(CONFIG_DRIVEN)
