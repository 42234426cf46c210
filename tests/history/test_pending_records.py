"""A record that cannot be built (a full disk, a damaged state file) is not lost: the deployment's checkpoint
keeps it due, and the next recording command or `strands history sync` builds and stores it."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy.checkpoint import CheckpointStore
from strands_tf.history import record as record_module
from strands_tf.history.models import CallerInfo
from strands_tf.history.recorder import record_deployment
from strands_tf.history.service import HISTORY_DIR, SPOOL_DIR
from tests.history.cli import strands
from tests.history.world import ENV, World, configure

pytestmark = [pytest.mark.engine]

RECORDS = Path("teams/ai/demo/dev/deployments")


def _fresh(world: World, deployment_id: str) -> Path:
    """The deployment as `strands apply` leaves it before recording: its record is due."""
    directory = world.deployment_dir(deployment_id)
    store = CheckpointStore.load(directory)
    store.checkpoint.record = "pending"
    store.save()
    return directory


def _checkpoint(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "checkpoint.json").read_text())


def test_a_full_disk_while_building_keeps_the_record_due_and_history_sync_builds_it(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    directory = _fresh(world, world.second)

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(args[1]))

    with monkeypatch.context() as patch:
        patch.setattr(record_module, "write_stacks_archive", disk_full)
        result = record_deployment(loaded, resolve(loaded, ENV), directory, caller=CallerInfo())
    assert not result.uploaded and not result.spooled
    assert any("disk is full" in w and "history sync" in w for w in result.warnings), result.warnings
    assert _checkpoint(directory)["record"] == "pending"
    # nothing half-built is left in the spool, nothing is listed
    assert not (world.root / SPOOL_DIR / RECORDS / world.second).exists()
    listed = strands(["history", "list", "--json"], world.root, monkeypatch, capsys).json()
    assert listed["records"] == [] and listed["not_recorded"] == [world.second]
    assert "not recorded yet" in strands(["history", "list"], world.root, monkeypatch, capsys).out

    synced = strands(["history", "sync", "--json"], world.root, monkeypatch, capsys)
    assert synced.code == 0, synced.err
    report = synced.json()
    assert report["built"] == [world.second] and report["not_built"] == {}
    assert report["uploaded"] == [f"{RECORDS.as_posix()}/{world.second}"]
    assert _checkpoint(directory)["record"] == "spooled"
    assert (world.root / HISTORY_DIR / RECORDS / world.second / "metadata.json").is_file()
    assert strands(["history", "verify", world.second], world.root, monkeypatch, capsys).code == 0
    assert strands(["history", "list", "--json"], world.root, monkeypatch, capsys).json()["not_recorded"] == []
    again = strands(["history", "sync", "--json"], world.root, monkeypatch, capsys).json()
    assert again["built"] == [] and again["uploaded"] == []


def test_a_record_due_from_an_earlier_deployment_is_built_by_the_next_recording(world: World) -> None:
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    older = _fresh(world, world.first)
    broken = world.root / ".strands" / "state" / f"{ENV}.json"
    good = broken.read_text()
    broken.write_text("{ damaged")
    failed = record_deployment(loaded, resolve(loaded, ENV), older, caller=CallerInfo())
    assert any("could not be built" in w and "not valid JSON" in w for w in failed.warnings), failed.warnings
    assert _checkpoint(older)["record"] == "pending"

    broken.write_text(good)  # repaired (by `strands apply`)
    newer = _fresh(world, world.second)
    result = record_deployment(loaded, resolve(loaded, ENV), newer, caller=CallerInfo())
    assert result.uploaded and not result.warnings, result.warnings
    assert result.synced == [f"{RECORDS.as_posix()}/{world.first}"]
    for deployment_id in (world.first, world.second):
        assert (world.root / HISTORY_DIR / RECORDS / deployment_id / "metadata.json").is_file()
    assert _checkpoint(older)["record"] == _checkpoint(newer)["record"] == "spooled"


def test_sync_reports_a_record_it_still_cannot_build(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(world.root, bucket=None)
    _fresh(world, world.first)
    (world.root / ".strands" / "state" / f"{ENV}.json").write_text("[]")
    synced = strands(["history", "sync", "--json"], world.root, monkeypatch, capsys)
    assert synced.code == 3
    assert list(synced.json()["not_built"]) == [world.first]
    text = strands(["history", "sync"], world.root, monkeypatch, capsys)
    assert "not built" in text.out and world.first in text.out and "Traceback" not in text.err
