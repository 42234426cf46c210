"""`strands hcp bootstrap`: a Terraform stack (hashicorp/tfe) that creates one HCP Terraform workspace per stack.

For every environment with `state: {backend: cloud}` and every stack of it, the bootstrap stack declares:

- `tfe_workspace`: the name the stack's `cloud` block uses, in the configured organization and project,
  tagged with `workspace_tags` plus `strands` and `strands-<env>`, with the stack's export directory as
  working directory (VCS-driven runs plan exactly that directory; CLI-driven runs upload from the repository
  root so the vendored modules resolve), runs never auto-applied, and read access to its state only for the
  workspaces of the stacks that read its outputs (`remote_state_consumer_ids`);
- `tfe_workspace_settings`: remote execution;
- `tfe_variable`s: dynamic provider credentials (`TFC_AWS_PROVIDER_AUTH`, `TFC_AWS_PLAN_ROLE_ARN` read-only
  for plans, `TFC_AWS_APPLY_ROLE_ARN` for applies): runs get short-lived AWS credentials, no keys are stored.

The stack is written as Terraform JSON and checked against the extracted hashicorp/tfe schema
(strands_tf/schema/tfe_provider_schema.json). Applying it needs the HCP API (`TFE_TOKEN`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.ci.pipelines import PipelineProject
from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import resolve
from strands_tf.errors import UserError
from strands_tf.fsutil import atomic_write_text
from strands_tf.generators.cdktf import TERRAFORM_CONSTRAINT, RenderContext, to_json, workspace_name

TFE_PROVIDER_CONSTRAINT = "~> 0.71"
HCP_TERRAFORM_VERSION = "~> 1.15.0"
BOOTSTRAP_FILE = "main.tf.json"
BOOTSTRAP_GITIGNORE = ".terraform/\n*.tfstate\n*.tfstate.*\n*.tfplan\n"
_ID = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class VcsSettings:
    """VCS-driven runs: the repository HCP Terraform watches and the OAuth client token connecting it."""

    identifier: str  # org/repo
    oauth_token_id: str
    branch: str = "main"


@dataclass
class BootstrapResult:
    """What `strands hcp bootstrap` wrote and the workspaces it declares."""

    directory: Path
    files: list[str]
    workspaces: dict[str, list[str]]  # environment -> workspace names
    next_steps: list[str] = field(default_factory=list)


def _tf_id(*parts: str) -> str:
    return _ID.sub("_", "_".join(parts))


def bootstrap_document(
    loaded: LoadedProject, project: PipelineProject, vcs: VcsSettings | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The bootstrap stack (Terraform JSON) and the workspace names per environment."""
    hostnames: set[str] = set()
    resources: dict[str, dict[str, Any]] = {"tfe_workspace": {}, "tfe_workspace_settings": {}, "tfe_variable": {}}
    data: dict[str, dict[str, Any]] = {}
    outputs: dict[str, Any] = {}
    workspaces: dict[str, list[str]] = {}
    env_names = [e.name for e in project.environments]
    for env in project.environments:
        resolved = resolve(loaded, env.name, agents=[])
        state = resolved.state
        if state.backend != "cloud" or not state.organization:
            raise UserError(
                f"environment {env.name} does not keep its state in HCP Terraform",
                hint=f"set state: {{backend: cloud, organization: ...}} for environments.{env.name}, or leave it out "
                "with --environments",
            )
        hostnames.add(state.hostname)
        project_ref: str | None = None
        if state.project:
            project_id = _tf_id("project", state.organization, state.project)
            data.setdefault("tfe_project", {})[project_id] = {
                "name": state.project,
                "organization": state.organization,
            }
            project_ref = f"${{data.tfe_project.{project_id}.id}}"
        ctx = RenderContext(resolved, "")
        consumers: dict[str, list[str]] = {s.name: [] for s in env.stacks}
        for stack in env.stacks:
            for dependency in stack.dependencies:
                consumers.setdefault(dependency, []).append(stack.name)
        tags = sorted({*(t.lower() for t in state.workspace_tags or []), "strands", f"strands-{env.name}".lower()})
        workspaces[env.name] = []
        for stack in env.stacks:
            ws_id = _tf_id(env.name, stack.name)
            name = workspace_name(ctx, stack.name)
            workspaces[env.name].append(name)
            workspace: dict[str, Any] = {
                "name": name,
                "organization": state.organization,
                "description": f"strands-tf stack {stack.name} of {project.project} ({env.name}), from strands.yaml",
                "tag_names": tags,
                "working_directory": stack.directory,
                "terraform_version": HCP_TERRAFORM_VERSION,
                "auto_apply": False,
                "queue_all_runs": False,
                "speculative_enabled": True,
                "remote_state_consumer_ids": sorted(
                    f"${{tfe_workspace.{_tf_id(env.name, c)}.id}}" for c in consumers.get(stack.name, [])
                ),
            }
            if project_ref:
                workspace["project_id"] = project_ref
            if vcs is not None:
                # plan on pull requests, apply on merge; only changes under the stack's directory trigger runs
                workspace["file_triggers_enabled"] = True
                workspace["trigger_prefixes"] = [stack.directory]
                workspace["vcs_repo"] = [
                    {"identifier": vcs.identifier, "oauth_token_id": vcs.oauth_token_id, "branch": vcs.branch}
                ]
            resources["tfe_workspace"][ws_id] = workspace
            resources["tfe_workspace_settings"][ws_id] = {
                "workspace_id": f"${{tfe_workspace.{ws_id}.id}}",
                "execution_mode": "remote",
            }
            variables = {
                "TFC_AWS_PROVIDER_AUTH": ("true", "HCP Terraform dynamic provider credentials for AWS"),
                "TFC_AWS_PLAN_ROLE_ARN": (
                    f'${{var.plan_role_arns["{env.name}"]}}',
                    f"read-only role plans assume in {env.name}",
                ),
                "TFC_AWS_APPLY_ROLE_ARN": (
                    f'${{var.apply_role_arns["{env.name}"]}}',
                    f"deploy role applies assume in {env.name}",
                ),
            }
            for key, (value, description) in variables.items():
                resources["tfe_variable"][_tf_id(ws_id, key.lower())] = {
                    "workspace_id": f"${{tfe_workspace.{ws_id}.id}}",
                    "category": "env",
                    "key": key,
                    "value": value,
                    "description": description,
                }
            outputs[_tf_id("workspace", ws_id)] = {
                "description": f"Workspace id of stack {stack.name} ({env.name})",
                "value": f"${{tfe_workspace.{ws_id}.id}}",
            }
    if len(hostnames) > 1:
        raise UserError(
            f"environments use several HCP Terraform hosts ({', '.join(sorted(hostnames))})",
            hint="bootstrap one host at a time with --environments",
        )
    role_check = " && ".join(f'contains(keys(var.{{map}}), "{e}")' for e in env_names)
    doc: dict[str, Any] = {
        "terraform": {
            "required_providers": {"tfe": {"source": "hashicorp/tfe", "version": TFE_PROVIDER_CONSTRAINT}},
            "required_version": TERRAFORM_CONSTRAINT,
        },
        # TFE_TOKEN (or `terraform login`) authenticates; no token is written here
        "provider": {"tfe": [{"hostname": hostnames.pop()}]},
        "variable": {
            name: {
                "description": f"{label} role ARN per environment ({', '.join(env_names)}); HCP Terraform "
                "assumes it through OIDC (trust app.terraform.io with the workspace in the subject)",
                "type": "map(string)",
                "validation": [
                    {
                        "condition": "${" + role_check.replace("{map}", name) + "}",
                        "error_message": f"{name} needs an ARN for every environment: {', '.join(env_names)}.",
                    }
                ],
            }
            for name, label in (("plan_role_arns", "Read-only plan"), ("apply_role_arns", "Deploy"))
        },
        "resource": {kind: items for kind, items in resources.items() if items},
        "output": outputs,
    }
    if data:
        doc["data"] = data
    return doc, workspaces


def write_bootstrap(
    loaded: LoadedProject,
    project: PipelineProject,
    out_dir: Path,
    *,
    vcs: VcsSettings | None = None,
    force: bool = False,
) -> BootstrapResult:
    """Write the bootstrap stack into `out_dir` (main.tf.json and .gitignore)."""
    doc, workspaces = bootstrap_document(loaded, project, vcs)
    text = to_json(doc)
    target = out_dir / BOOTSTRAP_FILE
    written: list[str] = []
    if not (target.is_file() and target.read_text("utf-8") == text):
        if target.exists() and not force:
            raise UserError(
                f"{target} exists and differs from the bootstrap stack strands would write",
                hint="review it, then run again with --force to replace it",
            )
        atomic_write_text(target, text)
        written.append(BOOTSTRAP_FILE)
    ignore = out_dir / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, BOOTSTRAP_GITIGNORE)
        written.append(".gitignore")
    steps = [
        "export TFE_TOKEN=...   # a user or team token allowed to manage workspaces (never commit it)",
        f"terraform -chdir={out_dir} init",
        f"terraform -chdir={out_dir} apply -var-file=roles.tfvars   # plan_role_arns and apply_role_arns",
    ]
    return BootstrapResult(out_dir, written, workspaces, steps)
