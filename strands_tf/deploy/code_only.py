"""`strands apply --code-only`: when only agents' code changed, apply just their functions.

The freshly synthesized stacks are compared with the ones the last successful deployment applied (kept
in its `.strands/deployments/<id>/cdktf.out`). When they differ only in agents' `source_code_hash` (and
the code zips those hashes describe), a plan targeted at those agents' modules updates the functions (and
the S3 object of a package uploaded through S3); every other input being identical, the next full plan is
clean. Anything else that changed falls back to the normal plan, with the reason.

With the approval given up front (`--auto-approve`) each stack is planned and applied in one Terraform run
(`OneStepApply`: no `plan`, `show -json` and second provider start; the record's plan summary comes from
Terraform's `planned_change` events), and the refresh-only run after it is left out when every applied
change is an in-place update of a function or its package object (`needs_settle`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.deploy.checkpoint import raw_checkpoints
from strands_tf.deploy.executor import OneStepApply, StackSpec
from strands_tf.deploy.workspace import Workspace
from strands_tf.inputfile import loads_json
from strands_tf.terraform.events import PlannedChange

_CODE_FIELDS = ("source_code_hash",)
# Resource types whose in-place update changes no attribute Terraform records for another resource: a new
# function code (UpdateFunctionCode) or a new package object version sets nothing on roles, queues, log groups,
# buckets... so after applying only such updates the state already holds what a refresh would read back.
SELF_CONTAINED_UPDATES = frozenset({"aws_lambda_function", "aws_s3_object"})


@dataclass
class CodeOnlyDecision:
    """Whether a code-only apply is possible, what it touches, and otherwise why not."""

    possible: bool
    reason: str
    baseline: str | None = None  # the deployment id compared against
    targets: dict[str, list[str]] = field(default_factory=dict)  # stack -> module addresses
    agents: list[str] = field(default_factory=list)


def _tree_digest(directory: Path, skip: set[Path]) -> dict[str, str]:
    if not directory.is_dir():
        return {}
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path not in skip
    }


def _masked(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], set[str]]:
    """The stack document without agents' code hashes; the hashes per module; the code zip paths."""
    hashes: dict[str, str] = {}
    zips: set[str] = set()
    modules = doc.get("module", {})
    for name, body in modules.items():
        if not name.startswith("agent_") or not isinstance(body, dict):
            continue
        for key in _CODE_FIELDS:
            if key in body:
                hashes[name] = str(body[key])
        if isinstance(body.get("filename"), str):
            zips.add(body["filename"])
    masked = json.loads(json.dumps(doc))
    for name in hashes:
        for key in _CODE_FIELDS:
            masked["module"][name].pop(key, None)
    return masked, hashes, zips


def _first_difference(old: Any, new: Any, path: str = "") -> str:
    if type(old) is not type(new):
        return path or "(document)"
    if isinstance(old, dict):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                return f"{path}.{key}" if path else key
            if old[key] != new[key]:
                return _first_difference(old[key], new[key], f"{path}.{key}" if path else key)
    if isinstance(old, list):
        if len(old) != len(new):
            return path
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{index}]")
    return path


def decide(current: Path, baseline: Path | None, stacks: list[StackSpec]) -> CodeOnlyDecision:
    """Compare the synthesized `current` cdktf.out with the `baseline` deployment's."""
    if baseline is None:
        return CodeOnlyDecision(False, "there is no earlier successful deployment of this environment to compare with")
    recorded = baseline / "cdktf.out"
    base_id = baseline.name
    try:
        old_manifest = loads_json((recorded / "manifest.json").read_text("utf-8"))
        new_manifest = loads_json((current / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return CodeOnlyDecision(False, f"deployment {base_id} has no readable recorded stacks", base_id)
    if old_manifest != new_manifest:
        where = _first_difference(old_manifest, new_manifest)
        return CodeOnlyDecision(False, f"the stacks themselves changed since deployment {base_id} ({where})", base_id)
    decision = CodeOnlyDecision(False, "", base_id)
    for stack in stacks:
        old_dir, new_dir = recorded / "stacks" / stack.name, current / "stacks" / stack.name
        try:
            old_doc = loads_json((old_dir / "cdk.tf.json").read_text("utf-8"))
            new_doc = loads_json((new_dir / "cdk.tf.json").read_text("utf-8"))
        except (OSError, ValueError):
            return CodeOnlyDecision(False, f"stack {stack.name} is missing from deployment {base_id}", base_id)
        old_masked, old_hashes, old_zips = _masked(old_doc)
        new_masked, new_hashes, new_zips = _masked(new_doc)
        if old_masked != new_masked or set(old_hashes) != set(new_hashes):
            where = _first_difference(old_masked, new_masked)
            return CodeOnlyDecision(
                False, f"stack {stack.name} changed beyond agent code since deployment {base_id} ({where})", base_id
            )
        skip_old = {old_dir / z for z in old_zips}
        skip_new = {new_dir / z for z in new_zips}
        old_files, new_files = _tree_digest(old_dir, skip_old), _tree_digest(new_dir, skip_new)
        old_files.pop("cdk.tf.json", None)
        new_files.pop("cdk.tf.json", None)
        if old_files != new_files:
            changed = sorted(k for k in set(old_files) | set(new_files) if old_files.get(k) != new_files.get(k))
            return CodeOnlyDecision(
                False, f"stack {stack.name}: {changed[0]} changed since deployment {base_id}", base_id
            )
        changed_modules = sorted(m for m in new_hashes if old_hashes.get(m) != new_hashes[m])
        if stack.targets:  # --agent on a shared stack: another agent's changed code is not for this apply
            changed_modules = [m for m in changed_modules if f"module.{m}" in stack.targets]
        if changed_modules:
            decision.targets[stack.name] = [f"module.{m}" for m in changed_modules]
            decision.agents.extend(m.removeprefix("agent_") for m in changed_modules)
    if not decision.targets:
        return CodeOnlyDecision(False, f"no agent code changed since deployment {base_id}", base_id)
    decision.possible = True
    decision.agents.sort()
    decision.reason = f"only the code of {', '.join(decision.agents)} changed since deployment {base_id}"
    return decision


def baseline(workspace: Workspace, environment: str) -> tuple[Path | None, str | None]:
    """The last successful apply of the environment, and why it cannot serve as a baseline (or None).

    It must also be the newest deployment of the environment: after a failed or interrupted one, what is
    deployed may differ from any recorded configuration, and only a full plan can tell.
    """
    for candidate, raw in reversed(raw_checkpoints(workspace)):
        if raw.get("environment") != environment:
            continue
        if raw.get("status") == "succeeded" and raw.get("command") in ("apply", "rollback"):
            return candidate, None
        return None, f"the newest deployment of '{environment}' ({candidate.name}) did not succeed"
    return None, None


def needs_settle(changes: list[PlannedChange]) -> bool:
    """Whether applied changes need the refresh-only run after the apply (see executor.settle_state).

    Not when every change is an in-place update of a managed resource of SELF_CONTAINED_UPDATES: what a
    code-only apply normally does. Anything else Terraform planned (a create, a replace, another type) keeps it.
    """
    for change in changes:
        resource = change.resource
        if change.action != "update" or resource is None or resource.resource_type not in SELF_CONTAINED_UPDATES:
            return True
        if (resource.resource or "").startswith("data."):
            return True
    return False


def apply_code_only(op: Any, decision: CodeOnlyDecision, *, confirm: Any, approved: bool = False) -> Any:
    """Apply the decision's targeted plans, recorded as a deployment like any other.

    `approved` (the user passed `--auto-approve`): plan and apply each stack in one Terraform run, without
    asking; otherwise plan, ask with `confirm`, then apply that plan.
    """
    import dataclasses

    from strands_tf.deploy.project import apply_project

    # the targets travel with the stacks (and into the checkpoint, so a resume keeps them)
    stacks = [
        dataclasses.replace(s, targets=tuple(decision.targets[s.name])) for s in op.stacks if s.name in decision.targets
    ]
    general = op.ctx
    # the recorded state is what the baseline deployment left (it is the newest one): no need to read
    # every resource again; the next full plan refreshes as usual
    op.ctx = dataclasses.replace(
        op.ctx, plan_refresh=False, one_step=OneStepApply(settle=needs_settle) if approved else None
    )
    try:
        return apply_project(op, confirm=confirm, stacks=stacks, command="apply")
    finally:
        op.ctx = general  # what runs next in this command (--rollback-on-failure) plans as usual


def check(op: Any) -> CodeOnlyDecision:
    """Whether the prepared operation can be applied code-only."""
    gone = [s.name for s in op.stacks if s.gone]
    if gone:
        return CodeOnlyDecision(False, f"stack(s) {', '.join(gone)} are no longer in the configuration")
    found, problem = baseline(op.workspace, op.resolved.environment.name)
    if problem is not None:
        return CodeOnlyDecision(False, problem)
    return decide(op.synth.out_dir, found, op.stacks)
