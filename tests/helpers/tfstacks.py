"""Write CDKTF-layout stacks made only of ``terraform_data`` resources, for real-engine tests.

``local-exec`` provisioners give real durations (``sleep N``) and real failures (``exit 1``); the
resources depend on each other, the stack has outputs and, optionally, an S3 backend (moto server).
The layout matches what the generators emit: ``cdktf.out/manifest.json`` and
``cdktf.out/stacks/<stack>/cdk.tf.json``.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Res:
    """One ``terraform_data`` resource: optional sleep, failure, dependencies and input value."""

    name: str
    sleep: float = 0
    fail: bool = False
    depends_on: Sequence[str] = ()
    input: Any = None
    command: str | None = None
    marker: str | None = None  # file to touch when the provisioner ran (proves it ran)

    def block(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "//": {"metadata": {"path": f"stack/{self.name}", "uniqueId": self.name}},
        }
        body["input"] = self.input if self.input is not None else self.name
        cmds: list[str] = []
        if self.command:
            cmds.append(self.command)
        if self.sleep:
            cmds.append(f"sleep {self.sleep:g}")
        if self.marker:
            cmds.append(f"touch {json.dumps(self.marker)}")
        if self.fail:
            cmds.append(f"echo 'failing {self.name}' >&2; exit 1")
        if cmds:
            body["provisioner"] = [{"local-exec": {"command": "; ".join(cmds)}}]
        if self.depends_on:
            body["depends_on"] = [f"terraform_data.{d}" for d in self.depends_on]
        return body


@dataclass(frozen=True)
class S3Backend:
    """S3 backend settings pointing at a moto server (credentials come from the child's env)."""

    endpoint: str
    bucket: str
    key: str = "stack/terraform.tfstate"
    region: str = "us-east-1"

    def block(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "region": self.region,
            "endpoints": {"s3": self.endpoint, "sts": self.endpoint},
            "use_path_style": True,
            "skip_credentials_validation": True,
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "use_lockfile": True,
        }


@dataclass
class Stack:
    name: str
    resources: list[Res]
    outputs: Mapping[str, str] = field(default_factory=dict)  # name -> expression without ${}
    backend: S3Backend | None = None

    def document(self) -> dict[str, Any]:
        terraform: dict[str, Any] = {"required_version": ">= 1.6.0"}
        backend_meta: str = "local"
        if self.backend is not None:
            terraform["backend"] = {"s3": self.backend.block()}
            backend_meta = "s3"
        doc: dict[str, Any] = {
            "//": {
                "metadata": {"backend": backend_meta, "stackName": self.name, "version": "0.20.0"},
                "outputs": {},
            },
            "terraform": terraform,
        }
        if self.resources:
            doc["resource"] = {"terraform_data": {r.name: r.block() for r in self.resources}}
        if self.outputs:
            doc["output"] = {k: {"value": f"${{{v}}}"} for k, v in self.outputs.items()}
        return doc


def write_stack(
    root: Path,
    name: str,
    resources: Sequence[Res],
    *,
    outputs: Mapping[str, str] | None = None,
    backend: S3Backend | None = None,
) -> Path:
    """Write one stack under ``root/cdktf.out`` (manifest updated) and return its working directory."""
    stack = Stack(name, list(resources), dict(outputs or {}), backend)
    out = root / "cdktf.out"
    workdir = out / "stacks" / name
    workdir.mkdir(parents=True, exist_ok=True)
    _write_json(workdir / "cdk.tf.json", stack.document())
    with _manifest_lock:
        _add_to_manifest(out / "manifest.json", name)
    return workdir


_manifest_lock = threading.Lock()


def _add_to_manifest(manifest_path: Path, name: str) -> None:
    manifest: dict[str, Any] = {"version": "0.20.0", "stacks": {}}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
    manifest["stacks"][name] = {
        "name": name,
        "constructPath": name,
        "workingDirectory": f"stacks/{name}",
        "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
        "stackMetadataPath": f"stacks/{name}/cdk.tf.json",
        "annotations": [],
        "dependencies": [],
    }
    _write_json(manifest_path, manifest)


def _write_json(path: Path, doc: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def read_local_state(workdir: Path) -> dict[str, Any]:
    """The local backend's tfstate of a stack."""
    return json.loads((workdir / "terraform.tfstate").read_text())


def state_resource_names(state: Mapping[str, Any]) -> set[str]:
    """Names of ``terraform_data`` resources in a tfstate that have a non-tainted instance."""
    names: set[str] = set()
    for res in state.get("resources", []):
        for inst in res.get("instances", []):
            if inst.get("status") != "tainted":
                names.add(res["name"])
    return names
