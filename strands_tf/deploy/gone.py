"""Stacks that are deployed but that the configuration no longer makes, and the copies to destroy them with.

Changing `stacks:` (`per_agent` to `single`) or removing the last agent of a stack leaves stacks that no
synth writes any more. Their resources keep running and hold names the new layout creates again, so plan,
apply and destroy destroy them first, each from the newest copy a deployment of the environment recorded
of it (`.strands/deployments/<id>/cdktf.out/stacks/<name>`: the same backend, provider and module calls
that made it). Which stacks: those the state file lists with resources, and those the environment's latest
deployment left deployed or did not finish destroying (the state file may be damaged or gone).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.deploy.checkpoint import raw_checkpoints
from strands_tf.deploy.executor import StackSpec
from strands_tf.deploy.workspace import SYNTH_DIR, Workspace
from strands_tf.errors import StrandsError, UserError
from strands_tf.inputfile import loads_json
from strands_tf.terraform.plan_summary import Owner, OwnerResolver, module_owner_resolver

# statuses after which a stack a deployment destroyed holds nothing any more
_FINISHED = frozenset({"applied", "no_changes"})


@dataclass(frozen=True)
class GoneStack:
    """A deployed stack the configuration no longer makes, and the deployment whose copy destroys it."""

    spec: StackSpec
    source: str  # deployment id of the copy


def deployed_stack_names(workspace: Workspace, root: Path, environment: str) -> set[str]:
    """Stacks that may hold resources: the state file's with resources, and what the latest deployment left."""
    from strands_tf.state.manager import StateManager

    names: set[str] = set()
    try:
        state = StateManager(root, environment).load()
        names |= {name for name, stack in state.stacks.items() if stack.resources}
    except StrandsError:
        pass  # damaged: the latest deployment still says what it left deployed
    latest = [raw for _dir, raw in raw_checkpoints(workspace) if raw.get("environment") == environment]
    if latest:
        raw = latest[-1]
        stacks = raw.get("stacks") if isinstance(raw.get("stacks"), dict) else {}
        for name, entry in stacks.items():
            if not isinstance(entry, dict):
                continue
            destroyed = raw.get("command") == "destroy" or bool(entry.get("gone"))
            if not (destroyed and entry.get("status") in _FINISHED and not entry.get("targets")):
                names.add(str(name))
    return names


def find_gone_stacks(workspace: Workspace, root: Path, environment: str, made: Collection[str]) -> list[GoneStack]:
    """The environment's deployed stacks that are not in `made` (the synthesized stacks), each with its copy.

    A stack without a readable copy is an error naming it and the way out: destroying it needs its backend.
    """
    wanted = sorted(deployed_stack_names(workspace, root, environment) - set(made))
    if not wanted:
        return []
    found: dict[str, GoneStack] = {}
    # newest first: the copy that last ran against the stack's state
    for directory, raw in reversed(raw_checkpoints(workspace)):
        if raw.get("environment") != environment:
            continue
        for name in wanted:
            if name in found:
                continue
            spec = recorded_copy(directory, raw, name)
            if spec is not None:
                found[name] = GoneStack(spec, directory.name)
        if len(found) == len(wanted):
            break
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UserError(
            f"stack(s) {', '.join(missing)} of environment {environment} are deployed but no longer made by the "
            f"configuration, and no deployment under {workspace.deployments_dir()} keeps a copy of them to destroy "
            "them with (their Terraform backend and provider)",
            detail="planning around them would leave their resources running, and new resources with the same "
            "names would fail to create",
            hint="put back the strands.yaml that made them (e.g. `git checkout <commit> -- strands.yaml`) and run "
            f"`strands apply -e {environment}` once, which records a copy; then change the configuration again "
            "and apply: they are destroyed first",
        )
    return [found[name] for name in wanted]


def recorded_copy(directory: Path, raw: Mapping[str, Any], name: str) -> StackSpec | None:
    """The stack's copy in one deployment, when it has one with a backend (dependencies as recorded)."""
    stack_dir = directory / SYNTH_DIR / "stacks" / name
    try:
        doc = loads_json((stack_dir / "cdk.tf.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    settings = doc.get("terraform") if isinstance(doc, dict) else None
    if not isinstance(settings, dict) or not (settings.get("backend") or settings.get("cloud")):
        return None
    dependencies: list[str] = []
    entry = (raw.get("stacks") or {}).get(name) if isinstance(raw.get("stacks"), dict) else None
    if isinstance(entry, dict) and isinstance(entry.get("dependencies"), list):
        dependencies = [str(d) for d in entry["dependencies"]]
    else:
        try:
            manifest = loads_json((directory / SYNTH_DIR / "manifest.json").read_text("utf-8"))
            dependencies = [str(d) for d in manifest["stacks"][name].get("dependencies", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            dependencies = []
    return StackSpec(name, stack_dir, tuple(dependencies), gone=True)


def recorded_owners(gone: list[GoneStack]) -> dict[str, Owner]:
    """`module.<id>` → what strands.yaml named it, from the tags the generated modules carry."""
    owners: dict[str, Owner] = {}
    for stack in gone:
        try:
            doc = loads_json((stack.spec.workdir / "cdk.tf.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue
        calls = doc.get("module") if isinstance(doc, dict) else None
        for module_id, body in (calls or {}).items() if isinstance(calls, dict) else ():
            tags = body.get("tags") if isinstance(body, dict) else None
            tags = tags if isinstance(tags, dict) else {}
            source = str(body.get("source", "")) if isinstance(body, dict) else ""
            if isinstance(tags.get("strands:agent"), str):
                owners[f"module.{module_id}"] = Owner("agent", tags["strands:agent"])
            elif isinstance(tags.get("strands:resource"), str):
                owners[f"module.{module_id}"] = Owner("resource", tags["strands:resource"])
            elif source.rstrip("/").endswith("http-api"):
                owners[f"module.{module_id}"] = Owner("api", module_id)
    return owners


def with_recorded_owners(current: OwnerResolver | None, gone: list[GoneStack]) -> OwnerResolver | None:
    """The current configuration's owners first (with file and line), then what the gone stacks' copies say."""
    owners = recorded_owners(gone)
    if not owners:
        return current
    recorded = module_owner_resolver(owners)

    def owner_of(address: str) -> Owner | None:
        found = current(address) if current is not None else None
        return found if found is not None else recorded(address)

    return owner_of
