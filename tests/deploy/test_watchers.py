"""deploy/watchers.py: a canvas announces itself while it runs; a stale or damaged record never counts."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from strands_tf.deploy.watchers import canvas_presence, canvas_watching
from strands_tf.deploy.workspace import Workspace


def test_a_running_canvas_is_seen_and_its_record_goes_with_it(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    assert not canvas_watching(workspace)
    with canvas_presence(workspace):
        assert canvas_watching(workspace)
        record = workspace.canvas_server_record()
        assert json.loads(record.read_text())["pid"] == os.getpid()
        assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert not canvas_watching(workspace) and not record.exists()


def test_a_record_of_a_process_that_is_gone_does_not_count(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    proc = subprocess.Popen(["true"])
    proc.wait()
    workspace.secure()
    record = {"pid": proc.pid, "host": os.uname().nodename, "proc_start": "1"}
    workspace.canvas_server_record().write_text(json.dumps(record))
    assert not canvas_watching(workspace)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"pid": "x", "host": "h"}', '{"pid": 1}', "null", '"' * 3])
def test_a_damaged_record_does_not_count(tmp_path: Path, text: str) -> None:
    workspace = Workspace(tmp_path)
    workspace.secure()
    workspace.canvas_server_record().write_text(text)
    assert not canvas_watching(workspace)


def test_a_record_from_another_machine_does_not_count(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    workspace.secure()
    workspace.canvas_server_record().write_text(json.dumps({"pid": os.getpid(), "host": "elsewhere"}))
    assert not canvas_watching(workspace)


def test_a_second_canvas_keeps_its_record_when_the_first_stops(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    with canvas_presence(workspace):
        # another canvas of the project started meanwhile (its record replaced ours)
        workspace.canvas_server_record().write_text(json.dumps({"pid": os.getpid() + 1, "host": "h"}))
    assert workspace.canvas_server_record().is_file()


def test_a_project_it_cannot_write_still_runs_its_canvas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import strands_tf.deploy.watchers as watchers

    def read_only(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(watchers, "atomic_write_json", read_only)
    ran = False
    with canvas_presence(Workspace(tmp_path)):
        ran = True
        assert not canvas_watching(Workspace(tmp_path))
    assert ran
