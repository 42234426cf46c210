"""Render stacks in the CDKTF output layout: manifest.json and stacks/<stack>/cdk.tf.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from strands_tf.config.resolve import ResolvedProject
from strands_tf.cost.tags import TagManager
from strands_tf.generators.stacks import Stack
from strands_tf.model.naming import template_literal

# The CDKTF library version whose layout we emit (cdktn continues it unchanged).
CDKTF_LAYOUT_VERSION = "0.21.0"
AWS_PROVIDER_CONSTRAINT = "~> 6.0"
TERRAFORM_CONSTRAINT = ">= 1.6"
EMULATOR_SERVICES = (
    "apigatewayv2", "cloudwatch", "dynamodb", "ec2", "iam", "kms", "lambda", "logs", "s3", "sns", "sqs", "ssm", "sts",
)  # fmt: skip
DEFAULT_EMULATOR_ENDPOINT = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the stack: the resolved project and the tool version for tags."""

    project: ResolvedProject
    tool_version: str
    # relative path from a stack's working directory to the directory of local state files
    local_state_dir: str = "."


_ORJSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def to_json(document: Any) -> str:
    """Canonical JSON of the CDKTF layout: keys sorted, two-space indent, trailing newline."""
    try:
        # byte-identical to json.dumps(indent=2, sort_keys=True, ensure_ascii=False) + "\n" for what the layout
        # holds (strings, integers, booleans, null; no floats), about 30x faster: the standard library falls
        # back to its pure-Python encoder whenever indent is set
        return orjson.dumps(document, option=_ORJSON_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        # integers beyond 64 bits or non-string keys: the standard library handles those
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _meta(stack: Stack, construct_id: str) -> dict[str, Any]:
    return {"metadata": {"path": f"{stack.name}/{construct_id}", "uniqueId": construct_id}}


def default_tags(ctx: RenderContext) -> dict[str, str]:
    """Tags on every resource: who owns it and what made it, plus the user's tags (the tool's keys win)."""
    project = ctx.project
    shared = {key: template_literal(value) for key, value in project.tags.items()}
    return TagManager(project.project, project.environment.name, ctx.tool_version, shared).default_tags()


def provider_block(ctx: RenderContext) -> dict[str, Any]:
    """The aws provider: region, account guard, role, default tags; emulator endpoints for that target."""
    env = ctx.project.environment
    provider: dict[str, Any] = {"region": env.region, "default_tags": [{"tags": default_tags(ctx)}]}
    if env.target == "emulator":
        provider.update(
            {
                "access_key": "test",
                "secret_key": "test",
                "skip_credentials_validation": True,
                "skip_metadata_api_check": True,
                "skip_requesting_account_id": True,
                "s3_use_path_style": True,
                "endpoints": [{service: "${var.emulator_endpoint}" for service in EMULATOR_SERVICES}],
            }
        )
        return provider
    if env.account:
        provider["allowed_account_ids"] = [env.account]
    if env.role_arn:
        role: dict[str, Any] = {"role_arn": env.role_arn, "session_name": "strands-tf"}
        if env.external_id:
            role["external_id"] = env.external_id
        provider["assume_role"] = [role]
    return provider


def backend_block(ctx: RenderContext, stack: Stack) -> tuple[str, dict[str, Any]]:
    """(kind, terraform block entries) for the stack's state backend."""
    state = ctx.project.state
    env = ctx.project.environment
    if state.backend == "s3":
        key = "/".join(p for p in (state.key_prefix, env.name, f"{stack.name}.tfstate") if p)
        config: dict[str, Any] = {
            "bucket": state.bucket,
            "key": key,
            "region": state.region or env.region,
            "encrypt": True,
            "use_lockfile": state.lock,
        }
        if state.kms_key:
            config["kms_key_id"] = state.kms_key
        return "s3", {"backend": {"s3": config}}
    if state.backend == "cloud":
        # one workspace per stack, named: a workspace holds one state (tags go on the workspaces themselves,
        # see `strands hcp bootstrap`; selecting by tags would let stacks share a workspace)
        workspaces: dict[str, Any] = {"name": workspace_name(ctx, stack.name)}
        if state.project:
            workspaces["project"] = state.project
        cloud = {"organization": state.organization, "hostname": state.hostname, "workspaces": [workspaces]}
        return "cloud", {"cloud": [cloud]}
    return "local", {"backend": {"local": {"path": f"{ctx.local_state_dir}/{stack.name}.tfstate"}}}


def workspace_name(ctx: RenderContext, stack_name: str) -> str:
    """HCP Terraform workspace of a stack: the configured name for the main stack, suffixed for the others.

    One workspace holds one state: with `stacks: per_agent`, every stack needs its own, or they would
    overwrite each other's state.
    """
    configured = ctx.project.state.workspace
    if not configured:
        return stack_name
    main = f"{ctx.project.project}-{ctx.project.environment.name}"
    return configured + stack_name[len(main) :] if stack_name.startswith(main) else f"{configured}-{stack_name}"


def remote_state_source(ctx: RenderContext, source_stack: str) -> dict[str, Any]:
    """`terraform_remote_state` arguments that read another stack's outputs from its backend."""
    state = ctx.project.state
    env = ctx.project.environment
    if state.backend == "s3":
        key = "/".join(p for p in (state.key_prefix, env.name, f"{source_stack}.tfstate") if p)
        return {"backend": "s3", "config": {"bucket": state.bucket, "key": key, "region": state.region or env.region}}
    if state.backend == "cloud":
        return {
            "backend": "remote",
            "config": {
                "hostname": state.hostname,
                "organization": state.organization,
                "workspaces": {"name": workspace_name(ctx, source_stack)},
            },
        }
    return {"backend": "local", "config": {"path": f"{ctx.local_state_dir}/{source_stack}.tfstate"}}


def render_stack(ctx: RenderContext, stack: Stack) -> dict[str, Any]:
    """The cdk.tf.json document of one stack."""
    backend_kind, terraform = backend_block(ctx, stack)
    terraform["required_providers"] = {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_CONSTRAINT}}
    terraform["required_version"] = TERRAFORM_CONSTRAINT
    doc: dict[str, Any] = {
        "//": {
            "metadata": {"backend": backend_kind, "stackName": stack.name, "version": CDKTF_LAYOUT_VERSION},
            "outputs": {stack.name: {oid: oid for oid in sorted(stack.outputs)}},
        },
        "provider": {"aws": [provider_block(ctx)]},
        "terraform": terraform,
    }
    data: dict[str, dict[str, Any]] = {}
    modules: dict[str, Any] = {}
    for node in stack.nodes.values():
        if node.block == "data":
            data.setdefault(node.tf_type or "", {})[node.id] = {"//": _meta(stack, node.id), **node.body}
        else:
            entry: dict[str, Any] = {"//": _meta(stack, node.id), "source": f"./modules/{node.module}", **node.body}
            if node.depends_on:
                entry["depends_on"] = [f"module.{d}" for d in sorted(node.depends_on)]
            modules[node.id] = entry
    for data_id, source in sorted(stack.remote_state.items()):
        data.setdefault("terraform_remote_state", {})[data_id] = {
            "//": _meta(stack, data_id),
            **remote_state_source(ctx, source),
        }
    if data:
        doc["data"] = data
    if modules:
        doc["module"] = modules
    if stack.outputs:
        doc["output"] = {
            oid: {"description": o.description, "value": o.value, **({"sensitive": True} if o.sensitive else {})}
            for oid, o in stack.outputs.items()
        }
    if ctx.project.environment.target == "emulator":
        doc["variable"] = {
            "emulator_endpoint": {
                "default": DEFAULT_EMULATOR_ENDPOINT,
                "description": "Base URL of the AWS API emulator (strands sets it when it starts one)",
                "type": "string",
            }
        }
    return doc


def render_manifest(stacks: list[Stack]) -> dict[str, Any]:
    """cdktf.out/manifest.json."""
    return {
        "stacks": {
            s.name: {
                "annotations": [],
                "constructPath": s.name,
                "dependencies": list(s.dependencies),
                "name": s.name,
                "stackMetadataPath": f"stacks/{s.name}/metadata.json",
                "synthesizedStackPath": f"stacks/{s.name}/cdk.tf.json",
                "workingDirectory": f"stacks/{s.name}",
            }
            for s in stacks
        },
        "version": CDKTF_LAYOUT_VERSION,
    }


def render_stack_metadata(doc: dict[str, Any]) -> dict[str, Any]:
    """stacks/<stack>/metadata.json: the stack-level `//` block on its own."""
    return dict(doc["//"])


def render_cdktf_json(project: str, environment: str) -> dict[str, Any]:
    """cdktf.json at the project root: tells CDKTF tooling (the `cdktn` CLI) how to run the app and where its output is.

    - app: the environment last synthesized, unless $STRANDS_ENV names another (cdktn runs it with a shell);
      cdktn passes CDKTF_OUTDIR, which strands writes to;
    - no terraformProviders and the generated-imports directory of Python projects: the stacks are written by
      strands, not by bindings, so `cdktn synth` must not demand `cdktn get`.
    """
    return {
        "app": f'strands synth -e "${{STRANDS_ENV:-{environment}}}"',
        "codeMakerOutput": "imports",
        "context": {},
        "language": "python",
        "output": "cdktf.out",
        "projectId": project,
        "sendCrashReports": "false",
        "terraformProviders": [],
        "terraformModules": [],
    }
