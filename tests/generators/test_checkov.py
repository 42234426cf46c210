"""checkov (offline, `--skip-download`) judges the HCL export of the sample config and of every template.

checkov lives in its own virtualenv: ``python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov``.
It runs with the repository's allowlist (.checkov.yaml, one reason per skipped check), and nothing else may fail.
"""

from __future__ import annotations

import json
import re
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


def _packages_in_s3(root: Path) -> Path:
    """Every agent deploys through the artifacts bucket (package_upload: s3), with real zips uploaded."""
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("defaults: {", "defaults: {package_upload: s3, ", 1))
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
    root = _packages_in_s3(copy_project(SAMPLE, base / "sample-s3-upload"))
    synth(root, "dev", hcl=root / "infra", package=True)
    exported = [p.read_text() for p in (root / "infra").rglob("*.tf") if "modules" not in p.parts]
    assert any(re.search(r"store_on_s3\s*=\s*true", text) for text in exported), "the export must upload to S3"
    exports["sample-s3-upload"] = root / "infra"
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
    "case",
    [
        "sample-dev",
        "sample-local",
        "sample-per-agent",
        "sample-s3-upload",
        "sample-365",
        "simple",
        "event-driven",
        "monorepo",
    ],
)
def test_no_failed_checks_beyond_the_allowlist(reports: dict[str, dict[str, Any]], case: str) -> None:
    report = reports[case]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 40
    assert failures(report) == []
