"""A project with real deployments made by the embedded Terraform engine, for history tests.

Stacks are `terraform_data` resources (the only provider available offline) shaped like what strands
deploys: a "function" whose environment holds a variable marked sensitive, a resource whose tfstate
attribute is sensitive, and a sensitive output. The secret values come in as `-var` values, so they never
appear in the configuration: anywhere they show up in a record is a leak.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.deploy.executor import DeployContext, TargetRuntime, read_manifest, run_deployment, start_deployment
from strands_tf.deploy.state_sync import StateSync
from strands_tf.deploy.workspace import Workspace, new_deployment_id
from strands_tf.terraform.engine import Engine

PROJECT = "demo"
ENV = "dev"
CANARY_OUTPUT = "CANARY-OUTPUT-5c1f0e9b7a"
CANARY_LAMBDA_ENV = "CANARY-LAMBDA-ENV-8d2e4b61f3"
CANARY_TFSTATE = "CANARY-TFSTATE-3a9c7d0e25"
CANARIES = (CANARY_OUTPUT, CANARY_LAMBDA_ENV, CANARY_TFSTATE)
REDACT_VALUE = "sk-live-Zq81LmT0abc"  # matches history.redact in the sample strands.yaml


def strands_yaml(bucket: str | None = "demo-history", prefix: str = "teams/ai") -> str:
    """The project's strands.yaml (a bucket line only when `bucket` is given)."""
    history = {"retention_days": 90, "redact": ["sk-live-[A-Za-z0-9]+"], "prefix": prefix}
    if bucket:
        history["bucket"] = bucket
    return (
        "version: 1\n"
        f"project: {PROJECT}\n"
        "region: us-east-1\n"
        f"history: {json.dumps(history)}\n"
        "environments:\n"
        "  dev: {}\n"
        "agents:\n"
        "  support:\n"
        "    path: agents/support\n"
        "    handler: app.handler\n"
        f"    environment: {{LOG_LEVEL: info, UPSTREAM_KEY: {REDACT_VALUE}}}\n"
    )


def write_project(root: Path, *, bucket: str | None = "demo-history", prefix: str = "teams/ai") -> Path:
    """strands.yaml, an agent directory and an agents/*/agent.yaml fragment."""
    (root / "agents" / "support").mkdir(parents=True, exist_ok=True)
    (root / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "agents" / "triage").mkdir(parents=True, exist_ok=True)
    (root / "agents" / "triage" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "agents" / "triage" / "agent.yaml").write_text("handler: app.handler\nmemory: 256\n")
    (root / "strands.yaml").write_text(strands_yaml(bucket, prefix))
    return root


def _meta(name: str) -> dict[str, Any]:
    return {"metadata": {"path": f"stack/{name}", "uniqueId": name}}


# -var values must be declared by every stack they are given to
# (the defaults are what a rollback without those values deploys; the deployments pass the canaries)
_VARIABLES = {
    name: {"type": "string", "sensitive": True, "default": "not-set"}
    for name in ("db_password", "lambda_api_token", "canary")
}


def stack_documents(version: int) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Two stacks (data ← app); version 2 changes the function and adds a queue."""
    data_doc: dict[str, Any] = {
        "//": {"metadata": {"backend": "local", "stackName": "demo-dev-data", "version": "0.20.0"}, "outputs": {}},
        "terraform": {"required_version": ">= 1.6.0"},
        "variable": dict(_VARIABLES),
        "resource": {
            "terraform_data": {
                "table": {
                    "//": _meta("table"),
                    "input": "tickets",
                    "provisioner": [{"local-exec": {"command": "sleep 1"}}],
                },
                "database": {
                    "//": _meta("database"),
                    "input": {"engine": "postgres", "password": "${var.db_password}"},
                },
            }
        },
    }
    app_resources: dict[str, Any] = {
        "function": {
            "//": _meta("function"),
            "input": {
                "function_name": "support",
                "memory_size": 512 if version == 1 else 1024,
                "environment": {"variables": {"LOG_LEVEL": "info", "API_TOKEN": "${var.lambda_api_token}"}},
            },
            "provisioner": [{"local-exec": {"command": "sleep 1"}}],
        },
        "role": {"//": _meta("role"), "input": "support-role"},
    }
    if version == 2:
        app_resources["queue"] = {"//": _meta("queue"), "input": "inbound"}
    app_doc: dict[str, Any] = {
        "//": {"metadata": {"backend": "local", "stackName": "demo-dev-app", "version": "0.20.0"}, "outputs": {}},
        "terraform": {"required_version": ">= 1.6.0"},
        "variable": dict(_VARIABLES),
        "resource": {"terraform_data": app_resources},
        "output": {
            "token": {"value": "${var.canary}", "sensitive": True},
            "function_name": {"value": "${terraform_data.function.output.function_name}"},
        },
    }
    return {"demo-dev-data": (data_doc, []), "demo-dev-app": (app_doc, ["demo-dev-data"])}


def write_build(root: Path, version: int) -> Path:
    """The synthesized layout under .strands/build/dev/cdktf.out, local state in .strands/tfstate/dev."""
    out = root / ".strands" / "build" / ENV / "cdktf.out"
    if out.exists():
        shutil.rmtree(out)
    manifest: dict[str, Any] = {"version": "0.21.0", "stacks": {}}
    for name, (doc, deps) in stack_documents(version).items():
        workdir = out / "stacks" / name
        workdir.mkdir(parents=True)
        state_dir = os.path.relpath(root / ".strands" / "tfstate" / ENV, workdir)
        doc["terraform"]["backend"] = {"local": {"path": f"{state_dir}/{name}.tfstate"}}
        (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=2, sort_keys=True))
        # an agent code zip as the generator packs it (binary, kept as is in the archive)
        assets = workdir / "assets" / "support"
        assets.mkdir(parents=True)
        (assets / "code.zip").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
        manifest["stacks"][name] = {
            "annotations": [],
            "constructPath": name,
            "dependencies": deps,
            "name": name,
            "stackMetadataPath": f"stacks/{name}/cdk.tf.json",
            "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
            "workingDirectory": f"stacks/{name}",
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out


def deploy(root: Path, engine: Engine, version: int) -> Path:
    """Apply version `version` of the stacks with the real executor; returns the deployment directory."""
    out = write_build(root, version)
    rc = root / ".strands" / "terraform.rc"
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text("")
    ctx = DeployContext(
        workspace=Workspace(root),
        project=PROJECT,
        environment=ENV,
        engine=engine,
        runtime=TargetRuntime(
            cli_config=rc,
            variables={"db_password": CANARY_TFSTATE, "lambda_api_token": CANARY_LAMBDA_ENV, "canary": CANARY_OUTPUT},
        ),
        parallel=True,
    )
    stacks = read_manifest(out)
    store = start_deployment(ctx.workspace, new_deployment_id(), "apply", PROJECT, ENV, stacks, out)
    copied = read_manifest(store.dir / "cdktf.out")
    result = run_deployment(ctx, store, copied, after_stack=StateSync(ctx, root, PROJECT, ENV))
    assert result.ok, result.errors
    # each test builds the records it needs itself: none is left due for a later command to build
    store.checkpoint.record = None
    store.save()
    # keep the state file as this deployment left it: records are built from "the state after it"
    snapshots = root / "state-snapshots"
    snapshots.mkdir(exist_ok=True)
    shutil.copyfile(root / ".strands" / "state" / f"{ENV}.json", snapshots / f"{store.dir.name}.json")
    return store.dir


@dataclass
class World:
    """A project directory with two real deployments (v1, then v2)."""

    root: Path
    first: str
    second: str

    def copy_to(self, target: Path) -> World:
        """A private copy (each test records into its own spool and stores)."""
        shutil.copytree(self.root, target, ignore=shutil.ignore_patterns(".terraform"))
        return World(target, self.first, self.second)

    def deployment_dir(self, deployment_id: str) -> Path:
        """The deployment directory, with the state file put back as that deployment left it."""
        shutil.copyfile(
            self.root / "state-snapshots" / f"{deployment_id}.json", self.root / ".strands" / "state" / f"{ENV}.json"
        )
        return self.root / ".strands" / "deployments" / deployment_id


def configure(root: Path, *, bucket: str | None, prefix: str = "teams/ai") -> None:
    """Rewrite strands.yaml with this history bucket (None: local history)."""
    (root / "strands.yaml").write_text(strands_yaml(bucket, prefix))


def second_checkout(world_root: Path, target: Path) -> Path:
    """A directory with only the project's strands.yaml (no agents, no .strands)."""
    target.mkdir(parents=True)
    shutil.copyfile(world_root / "strands.yaml", target / "strands.yaml")
    return target
