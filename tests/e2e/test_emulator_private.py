"""What a deployment leaves on disk is private: every file under `.strands/` is 0600 and every directory 0700.

Run end to end on the emulator (subprocesses, embedded engine) so the files Terraform itself writes
(tfstate, plan files, `.terraform/`) are covered as well as strands' own.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def private_mode_violations(root: Path) -> list[str]:
    """Paths under `root` that others could read: files not 0600 (0700 if executable), directories not 0700."""
    bad: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        entries = [base] if base == root else []
        entries += [base / name for name in (*dirnames, *filenames)]
        for path in entries:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                continue  # provider links into the plugin cache: the mode of a symlink means nothing
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                ok = mode == 0o700
            else:
                ok = mode in (0o600, 0o700) and not mode & 0o077
            if not ok:
                bad.append(f"{oct(mode)} {path.relative_to(root.parent)}")
    return bad


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "simple-assistant"
    shutil.copytree(
        REPO / "examples" / "simple-assistant", root, ignore=shutil.ignore_patterns(".strands", "__pycache__")
    )
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def test_every_file_under_strands_is_private_after_apply_plan_and_rollback(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    project.run("plan", "-e", "local")
    first = sorted((project.root / ".strands" / "deployments").iterdir())[0].name
    project.run("rollback", first, "-e", "local", "--auto-approve")
    project.run("history", "list", "-e", "local")
    strands_dir = project.root / ".strands"
    names = {p.name for p in strands_dir.rglob("*")}
    # the files that hold values are there: the walk below checks them, not an empty tree
    assert {"local.json", "events.jsonl", "checkpoint.json", "cdk.tf.json"} <= names
    assert any(n.endswith(".tfstate") for n in names) and any(n.endswith(".tfplan") for n in names)
    assert private_mode_violations(strands_dir) == []
