"""Files strands reads from the user that are not plain files: FIFOs, devices, /dev/zero behind a symlink, giants.

Each case runs `strands` as a real process with a memory cap and a deadline far above what a correct run
needs (well under a second): reading /dev/zero or blocking on a FIFO would blow one or the other. The run
must end with a clear error naming the file (and the limit, for size), exit code 1, and no traceback.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.inputfile import MAX_CONFIG_BYTES, MAX_EVENT_BYTES, MAX_PLAN_BYTES, human_size

STRANDS = Path(sys.executable).parent / "strands"
SAMPLE = Path(__file__).resolve().parents[1] / "config" / "data" / "sample"
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "plans"
MEMORY_CAP = 1024 * 1024 * 1024  # 1 GiB of address space: plenty for strands, far below /dev/zero's appetite

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs and /dev/zero")


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_strands(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`strands ARGS` as a process with a memory cap; a hang fails the test instead of stalling it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRANDS_")}
    env.update(NO_COLOR="1", COLUMNS="200")
    try:
        return subprocess.run(
            [str(STRANDS), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_capped,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"strands {' '.join(args)} hung on a file it should have refused at once")


def _copy_sample(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    subprocess.run(["cp", "-r", str(SAMPLE), str(project)], check=True)
    return project


def _assert_refused(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output
    assert "internal error" not in output
    for needle in needles:
        assert needle in output, output


def test_config_fifo(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    os.mkfifo(project / "strands.yaml")
    proc = run_strands(["validate"], project)
    _assert_refused(proc, "strands.yaml", "FIFO", "not a regular file")


def test_config_symlink_to_dev_zero(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "strands.yaml").symlink_to("/dev/zero")
    proc = run_strands(["validate", "--json"], project)
    _assert_refused(proc, "character device", "/dev/zero")
    issue = json.loads(proc.stdout)["error"]["issues"][0]
    assert issue["file"] == "strands.yaml"
    assert issue["message"] == "is a character device (/dev/zero), not a regular file"


def test_config_device(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "strands.yaml").symlink_to("/dev/null")
    proc = run_strands(["validate"], project)
    _assert_refused(proc, "strands.yaml", "character device (/dev/null)")


def test_config_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    with (project / "strands.yaml").open("wb") as fh:
        fh.truncate(3 * 1024 * 1024 * 1024)  # sparse: 3 GiB of nothing, no disk used
    proc = run_strands(["validate"], project)
    _assert_refused(proc, "strands.yaml", "3072.0 MB", f"limited to {MAX_CONFIG_BYTES // 2**20} MB")


def test_fragment_fifo(tmp_path: Path) -> None:
    project = _copy_sample(tmp_path)
    fragment_dir = project / "agents" / "piped"
    fragment_dir.mkdir(parents=True)
    os.mkfifo(fragment_dir / "agent.yaml")
    proc = run_strands(["validate"], project)
    _assert_refused(proc, "agents/piped/agent.yaml", "FIFO")


def test_fragment_symlink_to_dev_zero(tmp_path: Path) -> None:
    project = _copy_sample(tmp_path)
    fragment_dir = project / "agents" / "zero"
    fragment_dir.mkdir(parents=True)
    (fragment_dir / "agent.yaml").symlink_to("/dev/zero")
    proc = run_strands(["validate"], project)
    _assert_refused(proc, "agents/zero/agent.yaml", "character device (/dev/zero)")


def test_show_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.json")
    proc = run_strands(["show", "plan.json"], tmp_path)
    _assert_refused(proc, "plan.json", "FIFO")


def test_show_symlink_to_dev_zero(tmp_path: Path) -> None:
    (tmp_path / "plan.json").symlink_to("/dev/zero")
    proc = run_strands(["show", "plan.json", "--json"], tmp_path)
    _assert_refused(proc, "plan.json", "/dev/zero")
    error = json.loads(proc.stdout)["error"]
    assert error["data"]["reason"] == "device"


def test_show_device(tmp_path: Path) -> None:
    proc = run_strands(["show", "/dev/null"], tmp_path)
    _assert_refused(proc, "/dev/null", "character device")


def test_show_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    with plan.open("wb") as fh:
        fh.truncate(MAX_PLAN_BYTES + 1)
    proc = run_strands(["show", "plan.json"], tmp_path)
    _assert_refused(proc, "plan.json", human_size(MAX_PLAN_BYTES + 1), "limit for this kind of file is 512 MiB")


def test_show_still_reads_a_real_plan_through_a_symlink(tmp_path: Path) -> None:
    """Symlinks to regular files are fine: resolved, then checked."""
    (tmp_path / "plan.json").symlink_to(FIXTURES / "tfcompliance_tf1.0.7_lambda_iam_loggroup_create.json")
    proc = run_strands(["show", "plan.json", "--json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["has_changes"] is True


# -------------------------------------------------------------------- `strands dev` inputs: --event, --sqs, --script


def test_dev_invoke_event_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "event.json")
    proc = run_strands(
        ["-C", str(SAMPLE), "dev", "invoke", "support", "--event", str(tmp_path / "event.json")], tmp_path
    )
    _assert_refused(proc, "event.json", "FIFO")


def test_dev_invoke_sqs_symlink_to_dev_zero(tmp_path: Path) -> None:
    (tmp_path / "messages.json").symlink_to("/dev/zero")
    proc = run_strands(["-C", str(SAMPLE), "dev", "invoke", "triage", "--sqs", "messages.json"], tmp_path)
    _assert_refused(proc, "messages.json", "character device (/dev/zero)")


def test_dev_invoke_event_too_large(tmp_path: Path) -> None:
    with (tmp_path / "event.json").open("wb") as fh:
        fh.truncate(MAX_EVENT_BYTES + 1)
    proc = run_strands(["-C", str(SAMPLE), "dev", "invoke", "support", "--event", "event.json"], tmp_path)
    _assert_refused(proc, "event.json", f"the limit for this kind of file is {human_size(MAX_EVENT_BYTES)}")


@pytest.mark.timeout(30)  # a read that blocks on the FIFO fails here instead of stalling the suite
def test_dev_script_fifo(tmp_path: Path) -> None:
    from strands_tf.dev.script import load_script

    os.mkfifo(tmp_path / "script.json")
    with pytest.raises(ValueError, match="FIFO"):
        load_script(tmp_path / "script.json")
