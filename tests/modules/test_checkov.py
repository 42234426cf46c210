"""checkov (offline) judges the modules: no failed checks beyond the allowlist in .checkov.yaml.

checkov lives in its own virtualenv to keep its pins out of ours:
``python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHECKOV, FIXTURE_ROOT, MODULES, MODULES_DIR, REPO_ROOT

SHORT_RETENTION_ROOT = FIXTURE_ROOT.parent / "short_retention"
STORE_ON_S3_ROOT = FIXTURE_ROOT.parent / "store_on_s3"

CONFIG = REPO_ROOT / ".checkov.yaml"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHECKOV.exists(), reason="checkov not installed in .venv-checkov"),
]
_SKIP_LINE = re.compile(r"^\s*-\s*(CKV2?_[A-Z]+_\d+)\s*(?:#\s*(.*))?$")


def allowlist() -> dict[str, str]:
    """Skipped check id -> reason, read from .checkov.yaml."""
    entries: dict[str, str] = {}
    in_skips = False
    for line in CONFIG.read_text(encoding="utf-8").splitlines():
        if re.match(r"^skip-check:\s*$", line):
            in_skips = True
            continue
        if in_skips and (match := _SKIP_LINE.match(line)):
            entries[match.group(1)] = (match.group(2) or "").strip()
        elif in_skips and line.strip() and not line.lstrip().startswith("#"):
            in_skips = False
    return entries


@cache
def run_checkov(directory: Path, use_config: bool = True) -> dict[str, Any]:
    args = [str(CHECKOV), "-d", str(directory), "-o", "json", "--framework", "terraform", "--skip-download"]
    if use_config:
        args += ["--config-file", str(CONFIG)]
    # run outside the repository so checkov cannot pick up .checkov.yaml on its own
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd="/", check=False)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    if "summary" not in report and "passed" in report:
        # no check applies to anything in the directory (a dashboard): checkov prints the bare summary
        report = {"summary": report, "results": {"failed_checks": [], "passed_checks": []}}
    return report


def failed(report: dict[str, Any]) -> list[str]:
    return sorted(
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for c in report.get("results", {}).get("failed_checks", [])
    )


def test_allowlist_is_short_and_every_entry_has_a_reason() -> None:
    entries = allowlist()
    assert 0 < len(entries) <= 10
    for check, reason in entries.items():
        assert len(reason) >= 30, f"{check}: give the reason on its line in .checkov.yaml"


def test_no_failed_checks_on_modules_each_module_and_the_wired_root() -> None:
    # checkov spends most of its time starting up: run the directories side by side
    directories = [
        MODULES_DIR,
        *(MODULES_DIR / m for m in MODULES),
        FIXTURE_ROOT,
        SHORT_RETENTION_ROOT,
        STORE_ON_S3_ROOT,
    ]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        reports = dict(zip(directories, pool.map(run_checkov, directories), strict=True))
    for directory, report in reports.items():
        assert report["summary"]["parsing_errors"] == 0, directory
        # checkov has no check for a CloudWatch dashboard: that module alone passes nothing (and fails nothing)
        assert report["summary"]["passed"] > 0 or directory.name == "dashboard", directory
    assert reports[MODULES_DIR]["summary"]["passed"] > 50
    failures = {str(d.relative_to(REPO_ROOT)): failed(r) for d, r in reports.items() if failed(r)}
    assert failures == {}


def test_every_allowlisted_check_is_still_needed() -> None:
    # the modules with their defaults, and an environment that keeps logs for 30 days
    directories = [MODULES_DIR, SHORT_RETENTION_ROOT]
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(lambda d: run_checkov(d, use_config=False), directories))
    without = {c.split()[0] for report in reports for c in failed(report)}
    unused = sorted(set(allowlist()) - without)
    assert unused == [], f"remove from .checkov.yaml, they no longer fail: {unused}"
