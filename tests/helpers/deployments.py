"""Deployments of `terraform_data` stacks through the real executor and the embedded engine, for tests.

A CDKTF layout under ``<root>/.strands/build/dev/cdktf.out`` whose local state lives in
``<root>/.strands/tfstate/dev``; deployments run from their own copy like `strands apply`, and the state
file is mapped after every stack outcome as `strands apply` does it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from strands_tf.deploy.checkpoint import CheckpointStore
from strands_tf.deploy.executor import DeployContext, TargetRuntime, read_manifest, run_deployment, start_deployment
from strands_tf.deploy.state_sync import StateSync
from strands_tf.deploy.workspace import Workspace, new_deployment_id
from strands_tf.terraform.engine import Engine
from strands_tf.terraform.runner import Cancellation
from tests.helpers.tfstacks import Res, Stack

PROJECT = "demo"
ENV = "dev"


def write_layout(root: Path, stacks: dict[str, tuple[list[Res], Sequence[str]]]) -> Path:
    """A CDKTF layout under root/.strands/build/dev/cdktf.out whose local state lives in root/.strands/tfstate."""
    out = root / ".strands" / "build" / ENV / "cdktf.out"
    manifest: dict[str, Any] = {"version": "0.21.0", "stacks": {}}
    for name, (resources, deps) in stacks.items():
        workdir = out / "stacks" / name
        workdir.mkdir(parents=True, exist_ok=True)
        doc = Stack(name, resources).document()
        state_dir = os.path.relpath(root / ".strands" / "tfstate" / ENV, workdir)
        doc["terraform"]["backend"] = {"local": {"path": f"{state_dir}/{name}.tfstate"}}
        (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
        manifest["stacks"][name] = {
            "annotations": [],
            "constructPath": name,
            "dependencies": list(deps),
            "name": name,
            "stackMetadataPath": f"stacks/{name}/metadata.json",
            "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
            "workingDirectory": f"stacks/{name}",
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return out


def write_slow_layout(root: Path) -> tuple[Path, Path]:
    """Stack `app`: `quick`, then `slow` (30 s) which first touches the returned marker file."""
    started = root / "started"
    out = write_layout(
        root, {"app": ([Res("quick"), Res("slow", command=f"touch {started}", sleep=30, depends_on=["quick"])], ())}
    )
    return out, started


def cancel_when(marker: Path, cancellation: Cancellation, *, within: float = 60) -> threading.Thread:
    """A started thread that cancels (as Ctrl-C does) once `marker` exists (or after `within` seconds)."""

    def watch() -> None:
        deadline = time.monotonic() + within
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        cancellation.cancel()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def state_of(root: Path, stack: str) -> dict[str, Any]:
    """The raw tfstate of a stack."""
    return json.loads((root / ".strands" / "tfstate" / ENV / f"{stack}.tfstate").read_text())


def instances(root: Path, stack: str) -> dict[str, Any]:
    """Attributes of every non-tainted terraform_data instance of a stack, by name."""
    return {
        r["name"]: inst["attributes"]
        for r in state_of(root, stack).get("resources", [])
        for inst in r["instances"]
        if inst.get("status") != "tainted"
    }


def context(root: Path, engine: Engine, **kw: Any) -> DeployContext:
    """A DeployContext for the project at root (an empty Terraform CLI config)."""
    rc = root / "terraform.rc"
    rc.write_text("")
    workspace, runtime = Workspace(root), TargetRuntime(cli_config=rc)
    return DeployContext(workspace=workspace, project=PROJECT, environment=ENV, engine=engine, runtime=runtime, **kw)


def deploy(root: Path, engine: Engine, out: Path, **kw: Any) -> tuple[CheckpointStore, Any]:
    """Start a deployment of `out` and run its first attempt (`after_stack` as given, default none)."""
    ctx = kw.pop("ctx", None) or context(root, engine)
    stacks = read_manifest(out)
    store = start_deployment(ctx.workspace, new_deployment_id(), "apply", PROJECT, ENV, stacks, out)
    copied = read_manifest(store.dir / "cdktf.out")
    result = run_deployment(ctx, store, copied, **kw)
    return store, result


def state_sync(root: Path, ctx: DeployContext) -> StateSync:
    """The after-stack hook `strands apply` uses: the state file mapped after every stack outcome."""
    return StateSync(ctx, root, PROJECT, ENV)


def resume(root: Path, engine: Engine, store: CheckpointStore, **kw: Any) -> tuple[CheckpointStore, Any]:
    """The next attempt of a deployment: its stacks that are not applied, from its own copy."""
    ctx = kw.pop("ctx", None) or context(root, engine)
    resumed = CheckpointStore.load(store.dir)
    todo = [s for s in read_manifest(store.dir / "cdktf.out") if s.name in resumed.checkpoint.pending_stacks()]
    return resumed, run_deployment(ctx, resumed, todo, **kw)


def operation(root: Path, engine: Engine) -> Any:
    """The parts of a prepared project Operation that apply, destroy, resume and rollback use, for a project at
    root whose strands.yaml has no agents (the stacks are the test's own; the rollback trust check and the
    deployment's configuration snapshot read the real project)."""
    from strands_tf.config import load_project, resolve

    (root / "strands.yaml").write_text(f"version: 1\nproject: {PROJECT}\nenvironments:\n  {ENV}: {{}}\n")
    loaded = load_project(root, env={})
    ctx = context(root, engine)
    return SimpleNamespace(
        loaded=loaded,
        resolved=resolve(loaded, ENV, environ={}),
        workspace=ctx.workspace,
        ctx=ctx,
        stacks=[],
        environment_stacks=[],
        synth=SimpleNamespace(out_dir=None, graph=None),
        selection=None,
        warnings=[],
        gone=None,
    )
