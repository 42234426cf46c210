"""`.strands/deployments` stays small: assets stored once (content-addressed, hard-linked), old deployments
pruned after a success, never the ones a rollback or resume still needs."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from strands_tf.deploy.assets import AssetStore
from strands_tf.deploy.executor import read_manifest, start_deployment
from strands_tf.deploy.retention import prune_deployments
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import ConfigError
from strands_tf.fsutil import sha256_file
from tests.helpers.deployments import write_layout
from tests.helpers.tfstacks import Res

ZIP = b"PK\x03\x04" + os.urandom(256 * 1024)


def _build(root: Path, code: bytes = ZIP) -> Path:
    out = write_layout(root, {"app": ([Res("a")], ())})
    assets = out / "stacks" / "app" / "assets" / "support"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "code.zip").write_bytes(code)
    (assets / "layer.zip").write_bytes(b"PK\x03\x04 layer " + ZIP[:1000])
    return out


def _start(root: Path, deployment_id: str, out: Path, environment: str = "dev"):  # type: ignore[no-untyped-def]
    return start_deployment(Workspace(root), deployment_id, "apply", "demo", environment, read_manifest(out), out)


def _ids(n: int, start: int = 0) -> list[str]:
    return [f"20260101T{h:02d}{m:02d}00Z-{h:02d}{m:02d}aa" for h, m in (divmod(i, 60) for i in range(start, start + n))]


def test_an_unchanged_agent_zip_is_stored_once_whatever_the_number_of_deployments(tmp_path: Path) -> None:
    out = _build(tmp_path)
    first = _start(tmp_path, _ids(1)[0], out)
    second = _start(tmp_path, _ids(1, 1)[0], out)
    a = first.dir / "cdktf.out" / "stacks" / "app" / "assets" / "support" / "code.zip"
    b = second.dir / "cdktf.out" / "stacks" / "app" / "assets" / "support" / "code.zip"
    assert a.read_bytes() == b.read_bytes() == ZIP
    assert a.stat().st_ino == b.stat().st_ino, "the second deployment links the stored object, it does not copy it"
    stored = AssetStore(Workspace(tmp_path).objects_dir()).path_of(sha256_file(a))
    assert stored.stat().st_ino == a.stat().st_ino and stored.stat().st_nlink == 3
    assert stat.S_IMODE(a.stat().st_mode) == 0o400, "a shared object is read-only: no deployment can change another's"
    # the rest of the copy is each deployment's own
    docs = [d.dir / "cdktf.out" / "stacks" / "app" / "cdk.tf.json" for d in (first, second)]
    assert docs[0].stat().st_ino != docs[1].stat().st_ino
    unique = {p.stat().st_ino: p.stat().st_size for d in (first, second) for p in d.dir.rglob("*") if p.is_file()}
    assert sum(unique.values()) < len(ZIP) * 1.1


def test_changed_code_is_a_new_object_and_garbage_collection_keeps_what_is_linked(tmp_path: Path) -> None:
    store = AssetStore(Workspace(tmp_path).objects_dir())
    first = _start(tmp_path, _ids(1)[0], _build(tmp_path))
    second = _start(tmp_path, _ids(1, 1)[0], _build(tmp_path, code=b"PK\x03\x04 v2" + ZIP[:5000]))
    objects = sorted(p for p in store.root.rglob("*") if p.is_file())
    assert len(objects) == 3  # code v1, code v2, the shared layer
    assert store.collect_garbage() == 0
    shutil.rmtree(first.dir)
    freed = store.collect_garbage()
    assert freed == len(ZIP)
    left = second.dir / "cdktf.out" / "stacks" / "app" / "assets" / "support"
    assert (left / "code.zip").read_bytes().startswith(b"PK\x03\x04 v2") and (left / "layer.zip").is_file()


def test_a_filesystem_without_hard_links_gets_private_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    deployment = _start(tmp_path, _ids(1)[0], _build(tmp_path))
    code = deployment.dir / "cdktf.out" / "stacks" / "app" / "assets" / "support" / "code.zip"
    assert code.read_bytes() == ZIP and code.stat().st_nlink == 1


def _deployment(root: Path, deployment_id: str, *, status: str = "succeeded", environment: str = "dev",
                command: str = "apply", record: str | None = "spooled") -> Path:  # fmt: skip
    directory = Workspace(root).deployment_dir(deployment_id)
    directory.mkdir(parents=True)
    checkpoint = {"id": deployment_id, "command": command, "project": "demo", "environment": environment,
                  "status": status, "record": record, "stacks": {}}  # fmt: skip
    (directory / "checkpoint.json").write_text(json.dumps(checkpoint))
    return directory


def test_prune_keeps_the_newest_n_of_the_environment(tmp_path: Path) -> None:
    ids = _ids(25)
    for deployment_id in ids:
        _deployment(tmp_path, deployment_id)
    others = [_deployment(tmp_path, i, environment="prod") for i in _ids(3, 100)]
    report = prune_deployments(Workspace(tmp_path), "dev", keep=20)
    assert report.removed == ids[:5]
    left = sorted(p.name for p in Workspace(tmp_path).deployments_dir().iterdir())
    assert left == sorted(ids[5:] + [o.name for o in others])


def test_prune_never_removes_what_rollback_resume_or_history_still_need(tmp_path: Path) -> None:
    ids = _ids(10)
    _deployment(tmp_path, ids[0], status="succeeded")  # the newest success: `strands rollback` target
    _deployment(tmp_path, ids[1], status="running")  # a live process
    _deployment(tmp_path, ids[2], status="failed", record="pending")  # its record is not built yet
    _deployment(tmp_path, ids[3], status="succeeded", command="destroy")
    for deployment_id in ids[4:9]:
        _deployment(tmp_path, deployment_id, status="failed")
    _deployment(tmp_path, ids[9], status="interrupted")  # the latest: `apply --resume` target
    unreadable = Workspace(tmp_path).deployment_dir(_ids(1, 50)[0])
    unreadable.mkdir()  # being created (no checkpoint yet)
    report = prune_deployments(Workspace(tmp_path), "dev", keep=1)
    assert report.protected == {
        ids[0]: "the newest successful deployment (rollback target)",
        ids[1]: "still running",
        ids[2]: "its history record is not built yet",
    }
    assert report.removed == ids[3:9]
    left = sorted(p.name for p in Workspace(tmp_path).deployments_dir().iterdir())
    assert left == sorted([ids[0], ids[1], ids[2], ids[9], unreadable.name])


def test_keep_local_is_configurable_and_checked(tmp_path: Path) -> None:
    from strands_tf.config import load_project

    (tmp_path / "agents" / "a").mkdir(parents=True)
    (tmp_path / "agents" / "a" / "app.py").write_text("def handler(e, c):\n    return {}\n")
    base = "version: 1\nproject: demo\nregion: us-east-1\nagents: {a: {path: agents/a, handler: app.handler}}\n"
    (tmp_path / "strands.yaml").write_text(base)
    assert load_project(tmp_path).config.history.keep_local == 20
    (tmp_path / "strands.yaml").write_text(base + "history: {keep_local: 3}\n")
    assert load_project(tmp_path).config.history.keep_local == 3
    (tmp_path / "strands.yaml").write_text(base + "history: {keep_local: 0}\n")
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path)
    assert "keep_local" in info.value.summary and info.value.issues[0].line == 5
