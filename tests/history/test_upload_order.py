"""A record's objects are uploaded together, and metadata.json (the mark of a complete record) strictly last."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from strands_tf.errors import NetworkError
from strands_tf.history import layout
from strands_tf.history.models import ObjectInfo, RecordMetadata
from strands_tf.history.service import History
from strands_tf.history.store import LocalStore

NAMES = [f"stacks/s{i}.json" for i in range(12)]


class _Recording(LocalStore):
    """A local store that keeps the order of finished uploads and can fail one object."""

    def __init__(self, root: Path, fail: str | None = None) -> None:
        super().__init__(root)
        self.fail = fail
        self.finished: list[str] = []
        self._lock = threading.Lock()

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        if self.fail and key.endswith(self.fail):
            raise NetworkError(f"upload of {key} failed")
        super().put_file(key, path, content_type=content_type)
        with self._lock:
            self.finished.append(key.rsplit("/", 1)[-1] if key.endswith(layout.METADATA) else key)


def _record(directory: Path) -> RecordMetadata:
    objects = {}
    for name in NAMES:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = f"object {name}".encode()
        path.write_bytes(data)
        objects[name] = ObjectInfo(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    meta = RecordMetadata(
        id="20261203T100000Z-abcdef",
        project="p",
        environment="dev",
        command="apply",
        status="succeeded",
        started_at="2026-12-03T10:00:00Z",
        recorded_at="2026-12-03T10:00:10Z",
        tool_version="0",
        objects=objects,
    )
    (directory / layout.METADATA).write_text(meta.model_dump_json())
    return meta


def test_every_object_lands_before_metadata(tmp_path: Path) -> None:
    meta = _record(tmp_path / "record")
    store = _Recording(tmp_path / "bucket")
    History(store=store, project="p", root=tmp_path / "project").upload_directory(tmp_path / "record", "k", meta)
    assert store.finished[-1] == layout.METADATA
    assert sorted(store.finished[:-1]) == sorted(f"k/{n}" for n in NAMES)


def test_a_failed_object_leaves_the_record_incomplete(tmp_path: Path) -> None:
    meta = _record(tmp_path / "record")
    store = _Recording(tmp_path / "bucket", fail="s5.json")
    with pytest.raises(NetworkError):
        History(store=store, project="p", root=tmp_path / "project").upload_directory(tmp_path / "record", "k", meta)
    assert layout.METADATA not in store.finished
    assert not (tmp_path / "bucket" / "k" / layout.METADATA).exists()


def test_a_changed_object_uploads_nothing(tmp_path: Path) -> None:
    meta = _record(tmp_path / "record")
    (tmp_path / "record" / NAMES[-1]).write_text("tampered")
    store = _Recording(tmp_path / "bucket")
    with pytest.raises(Exception, match="changed since it was recorded"):
        History(store=store, project="p", root=tmp_path / "project").upload_directory(tmp_path / "record", "k", meta)
    assert store.finished == []
