"""Which stacks, and inside a shared stack which modules, a command works on for an `--agent` selection.

The one place that answers "what does `--agent X` touch" for synth, plan, apply, destroy, rollback and
resume. It reads the synthesized layout (stacks, their module calls, who owns each module) and, where
safety depends on it, what is deployed now; it returns whole stacks plus Terraform `-target`s for
stacks that hold several agents' modules (`stacks: single`).

Ownership comes from the generated Terraform itself (`tags["strands:agent"]` on an agent's function,
role and dead-letter queue; the `http-api` module routes to agents), so a recorded deployment's stacks
are read exactly like a fresh synth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from strands_tf.errors import UserError
from strands_tf.model.graph import referenced_ids

if TYPE_CHECKING:
    from strands_tf.deploy.executor import StackSpec
    from strands_tf.generators.stacks import Stack

Command = Literal["synth", "plan", "apply", "destroy", "rollback"]

AGENT_TAG = "strands:agent"
API_MODULE = "http-api"
# modules of the whole environment's observability (the Bedrock alarms per model, the dashboard without an API):
# no agent owns them and none uses them, so in a stack of several agents they come with any agent's selection
ENVIRONMENT_MODULES = frozenset({"metric-alarms", "dashboard"})


@dataclass(frozen=True)
class ModuleInfo:
    """One module call of a stack: the agent owning it (if any), whether it is the HTTP API, what it uses."""

    id: str
    agent: str | None = None
    api: bool = False
    uses: frozenset[str] = frozenset()  # module ids of the same stack it references or depends on
    environment: bool = False  # the environment's own observability (ENVIRONMENT_MODULES without an agent)

    @property
    def address(self) -> str:
        """Terraform address of the module call (what `-target` takes)."""
        return f"module.{self.id}"


@dataclass(frozen=True)
class StackInfo:
    """A stack: its dependencies (stacks it reads outputs from) and its module calls."""

    name: str
    dependencies: tuple[str, ...] = ()
    modules: Mapping[str, ModuleInfo] = field(default_factory=dict)
    # deployed, but no longer made by the configuration: whatever selects it destroys it (deploy/gone.py)
    gone: bool = False

    @property
    def agent(self) -> str | None:
        """The agent whose own stack this is (`stacks: per_agent`), else None."""
        owners = {m.agent for m in self.modules.values()}
        if len(owners) == 1:
            (owner,) = owners
            return owner
        return None

    @property
    def kind(self) -> Literal["agent", "api", "shared"]:
        """`agent`: one agent's own stack; `api`: the HTTP API's own stack; `shared`: anything else."""
        if self.agent is not None:
            return "agent"
        if self.modules and all(m.api for m in self.modules.values()):
            return "api"
        return "shared"

    def owned_by(self, agents: Iterable[str]) -> set[str]:
        """Ids of the modules the given agents own."""
        chosen = set(agents)
        return {m.id for m in self.modules.values() if m.agent in chosen}

    def closure(self, ids: Iterable[str]) -> set[str]:
        """The modules and every module they use, transitively (what `-target` pulls in)."""
        out = set(ids)
        pending = list(out)
        while pending:
            for used in self.modules[pending.pop()].uses:
                if used not in out:
                    out.add(used)
                    pending.append(used)
        return out

    def routed_agents(self, module: ModuleInfo) -> set[str]:
        """Agents an API module of this stack routes to (their modules are in this stack)."""
        return {agent for u in module.uses if (agent := self.modules[u].agent) is not None}


@dataclass(frozen=True)
class Layout:
    """Every stack of one synthesized environment, in dependency order."""

    stacks: Mapping[str, StackInfo]

    def agent_stacks(self, agent: str) -> list[StackInfo]:
        """The stacks that are `agent`'s own."""
        return [s for s in self.stacks.values() if s.kind == "agent" and s.agent == agent]

    def routed_agents(self, api_stack: StackInfo) -> set[str]:
        """Agents the API stack routes to: the agents whose own stacks it reads."""
        out: set[str] = set()
        for dep in api_stack.dependencies:
            stack = self.stacks.get(dep)
            if stack is not None and stack.kind == "agent" and stack.agent:
                out.add(stack.agent)
        return out


def _module_info(
    module_id: str, body: Mapping[str, Any], module_name: str | None, stack_modules: set[str]
) -> ModuleInfo:
    tags = body.get("tags")
    agent = tags.get(AGENT_TAG) if isinstance(tags, Mapping) else None
    uses = set(referenced_ids(body))
    for item in body.get("depends_on", []) or []:
        text = str(item)
        uses.add(text.removeprefix("module.") if text.startswith("module.") else text)
    uses &= stack_modules
    uses.discard(module_id)
    owner = agent if isinstance(agent, str) else None
    environment = owner is None and module_name in ENVIRONMENT_MODULES
    return ModuleInfo(module_id, owner, module_name == API_MODULE, frozenset(uses), environment)


def layout_of_stacks(stacks: Sequence[Stack]) -> Layout:
    """The layout of freshly partitioned stacks (before they are written)."""
    out: dict[str, StackInfo] = {}
    for stack in stacks:
        ids = {n.id for n in stack.nodes.values() if n.block == "module"}
        modules = {}
        for node in stack.nodes.values():
            if node.block != "module":
                continue
            body = {**node.body, "depends_on": [f"module.{d}" for d in node.depends_on]}
            modules[node.id] = _module_info(node.id, body, node.module, ids)
        out[stack.name] = StackInfo(stack.name, tuple(stack.dependencies), modules)
    return Layout(out)


def read_layout(out_dir: Path) -> Layout:
    """The layout of a CDKTF output directory (a build, or a recorded deployment's copy)."""
    from strands_tf.deploy.executor import read_manifest

    return Layout({spec.name: read_stack_info(spec) for spec in read_manifest(out_dir)})


def read_stack_info(spec: StackSpec) -> StackInfo:
    """One written stack's module calls, owners and dependencies (`gone` as the spec says)."""
    from strands_tf.deploy.executor import read_synthesized

    doc = read_synthesized(spec.workdir / "cdk.tf.json")
    calls = doc.get("module", {}) if isinstance(doc, dict) else {}
    calls = calls if isinstance(calls, Mapping) else {}
    ids = set(calls)
    modules = {}
    for module_id, body in calls.items():
        source = str(body.get("source", "")) if isinstance(body, Mapping) else ""
        name = source.rstrip("/").rsplit("/", 1)[-1] or None
        modules[module_id] = _module_info(module_id, body if isinstance(body, Mapping) else {}, name, ids)
    return StackInfo(spec.name, spec.dependencies, modules, gone=spec.gone)


class DeployedView(Protocol):
    """What is deployed now, asked only for the stacks a decision depends on."""

    def modules(self, stack: str) -> frozenset[str]:
        """Ids of the stack's top-level modules holding resources now ('' for resources outside modules)."""
        ...

    def unknown_stacks(self) -> list[str]:
        """Deployed stacks the layout does not know (an agent removed from strands.yaml, an unreadable record)."""
        ...


@dataclass(frozen=True)
class StaticDeployed:
    """A DeployedView from known data (tests, and callers that already know)."""

    by_stack: Mapping[str, frozenset[str]] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()

    def modules(self, stack: str) -> frozenset[str]:
        """The given module ids of `stack` (none when it is not listed)."""
        return self.by_stack.get(stack, frozenset())

    def unknown_stacks(self) -> list[str]:
        """The given unknown stacks."""
        return list(self.unknown)


@dataclass
class Selection:
    """What a command works on: whole stacks (no targets) or parts of stacks (Terraform `-target`s)."""

    operation: Command
    agents: tuple[str, ...] | None  # None: no --agent, every agent
    stacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> targets; () = the whole stack
    left_alone: dict[str, str] = field(default_factory=dict)  # stack or address -> why it is not touched
    missing: list[str] = field(default_factory=list)  # not deployed now, so not (re)created
    notes: list[str] = field(default_factory=list)  # what the user should know before confirming

    @property
    def targeted(self) -> bool:
        """True when some stack is only partly in the selection (Terraform's -target is in effect)."""
        return any(self.stacks.values())

    def specs(self, specs: Sequence[StackSpec]) -> list[StackSpec]:
        """The selected stacks of `specs` (in their order), each with its targets."""
        return [replace(s, targets=self.stacks[s.name]) for s in specs if s.name in self.stacks]

    def to_json(self) -> dict[str, Any]:
        """JSON form for `--json` output."""
        return {
            "agents": list(self.agents) if self.agents is not None else None,
            "stacks": {name: {"targets": list(targets)} for name, targets in self.stacks.items()},
            "left_alone": dict(self.left_alone),
            "missing": list(self.missing),
            "notes": list(self.notes),
        }


def select_stacks(
    layout: Layout,
    agents: Sequence[str] | None,
    operation: Command,
    *,
    deployed: DeployedView | None = None,
    include_shared: bool = False,
    create_missing: bool = False,
) -> Selection:
    """The stacks (and targets) `operation` works on for the `--agent` selection `agents` (None: all agents).

    `deployed` is needed by destroy and rollback (and makes plan/apply skip an API stack that would read an
    agent stack that does not exist); without it everything counts as deployed.
    """
    selection = Selection(operation, tuple(agents) if agents is not None else None)
    if operation == "rollback":
        _rollback(layout, selection, deployed, create_missing)
    elif agents is None:
        selection.stacks = {name: () for name in layout.stacks}
    elif operation == "destroy":
        if deployed is None:
            raise ValueError("destroy --agent needs to know what is deployed")
        _destroy(layout, selection, set(agents), deployed, include_shared)
    else:
        _build(layout, selection, set(agents), deployed)
    return selection


def _deployed_agent(layout: Layout, deployed: DeployedView | None, agent: str) -> bool:
    if deployed is None:
        return True
    for stack in layout.agent_stacks(agent):
        if deployed.modules(stack.name):
            return True
    return any(
        stack.owned_by([agent]) & deployed.modules(stack.name)
        for stack in layout.stacks.values()
        if stack.kind == "shared" and stack.owned_by([agent])
    )


def _names(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _addresses(ids: Iterable[str]) -> list[str]:
    return [f"module.{i}" for i in sorted(ids)]


def _targeting_note(stack: StackInfo, own: set[str], targets: set[str], what: str) -> str:
    shared = sorted(targets - own)
    text = f"stack {stack.name} holds other agents too: only {', '.join(_addresses(own))}"
    if shared:
        text += f" and what they use ({', '.join(_addresses(shared))})"
    return (
        text + f" are {what} (Terraform -target); the rest of the stack is not looked at. Targeting is for "
        "exceptions: run a full `strands plan` soon, or set `stacks: per_agent` to give each agent its own stack"
    )


def _build(layout: Layout, selection: Selection, chosen: set[str], deployed: DeployedView | None) -> None:
    """synth, plan, apply: the agents' stacks, the API when it serves them, and what those read."""
    whole: set[str] = set()
    targets: dict[str, set[str]] = {}
    for stack in layout.stacks.values():
        if stack.gone:
            _build_gone(layout, selection, stack, chosen, deployed, whole, targets)
        elif stack.kind == "agent":
            if stack.agent in chosen:
                whole.add(stack.name)
        elif stack.kind == "api":
            routed = layout.routed_agents(stack)
            if not routed & chosen:
                continue
            absent = sorted(a for a in routed - chosen if not _deployed_agent(layout, deployed, a))
            if absent:
                selection.left_alone[stack.name] = (
                    f"the HTTP API also routes to {_names(absent)}, not deployed: it cannot be planned without "
                    f"them (deploy them too, e.g. --agent {absent[0]}, or run without --agent)"
                )
            else:
                whole.add(stack.name)
        else:
            own = stack.owned_by(chosen)
            if not own:
                continue
            own |= {m.id for m in stack.modules.values() if m.environment}
            for module in stack.modules.values():
                if not module.api:
                    continue
                routed = stack.routed_agents(module)
                if routed & chosen and routed <= chosen:
                    own.add(module.id)
                elif routed & chosen:
                    selection.left_alone[f"{stack.name}: {module.address}"] = (
                        f"the HTTP API also routes to {_names(routed - chosen)}: targeting it would apply them "
                        "as well; run without --agent to update it"
                    )
            if selection.operation == "synth":
                whole.add(stack.name)
                selection.notes.append(
                    f"stack {stack.name} holds every agent: it is written whole (`strands plan --agent` and "
                    "`strands apply --agent` target the selected agents' modules in it)"
                )
                continue
            closure = stack.closure(own)
            if closure == set(stack.modules):
                whole.add(stack.name)
            else:
                targets[stack.name] = closure
                selection.notes.append(_targeting_note(stack, own, closure, "planned"))
    # what the chosen stacks read comes along (the shared stack); other agents' stacks an API reads do not:
    # they are read as deployed, never applied by someone else's --agent (synth adds them to keep its manifest whole)
    pending = [name for name in whole | set(targets) if not layout.stacks[name].gone]  # a destroy reads nothing
    while pending:
        for dep in layout.stacks[pending.pop()].dependencies:
            other_agent = layout.stacks.get(dep) is not None and layout.stacks[dep].kind == "agent"
            if dep in layout.stacks and dep not in whole and dep not in targets and not other_agent:
                whole.add(dep)
                pending.append(dep)
    for name in layout.stacks:
        if name in whole:
            selection.stacks[name] = ()
        elif name in targets:
            selection.stacks[name] = tuple(_addresses(targets[name]))


def _build_gone(
    layout: Layout,
    selection: Selection,
    stack: StackInfo,
    chosen: set[str],
    deployed: DeployedView | None,
    whole: set[str],
    targets: dict[str, set[str]],
) -> None:
    """plan, apply --agent on a stack the configuration no longer makes: the agents' own parts of it go."""
    if selection.operation == "synth":
        return  # nothing of it is written: it exists only as a deployment's copy
    if stack.kind == "agent":
        if stack.agent in chosen:
            whole.add(stack.name)
        return
    if stack.kind == "api":
        routed = layout.routed_agents(stack)
        if not routed & chosen:
            return
        staying = sorted(a for a in routed - chosen if _deployed_agent(layout, deployed, a))
        if staying:
            selection.left_alone[stack.name] = (
                f"no longer in the configuration, but its HTTP API also routes to {_names(staying)}: "
                "run without --agent to destroy it"
            )
        else:
            whole.add(stack.name)
        return
    live = deployed.modules(stack.name) if deployed is not None else frozenset(stack.modules)
    own = stack.owned_by(chosen) & live
    if not own:
        return
    # `plan -destroy -target` destroys the targets and what depends on them, never what they use
    targets[stack.name] = own
    selection.notes.append(
        f"stack {stack.name} is no longer in the configuration: only {', '.join(_addresses(own))} are destroyed "
        "(Terraform -target); the rest goes with a plan or apply without --agent"
    )


def _destroy(
    layout: Layout, selection: Selection, chosen: set[str], deployed: DeployedView, include_shared: bool
) -> None:
    """destroy --agent: the agents' own stacks and modules; what others still use stays (or the flag says)."""
    whole: set[str] = set()
    targets: dict[str, set[str]] = {}
    conflicts: dict[str, str] = {}  # what would break -> why
    for name in sorted(chosen):
        if not _deployed_agent(layout, deployed, name):
            selection.left_alone[f"agent {name}"] = "not deployed: nothing to destroy"
    for stack in layout.stacks.values():
        if stack.kind == "agent" and stack.agent in chosen and deployed.modules(stack.name):
            whole.add(stack.name)
        elif stack.kind == "shared":
            own = stack.owned_by(chosen) & deployed.modules(stack.name)
            if own:
                targets[stack.name] = own

    # the HTTP API goes with the last agent it routes to; while others still use it, it stays
    for stack in layout.stacks.values():
        if stack.kind == "api" and deployed.modules(stack.name):
            routed = layout.routed_agents(stack)
            if not routed & chosen:
                continue
            staying = sorted(a for a in routed - chosen if _deployed_agent(layout, deployed, a))
            _api_decision(selection, stack.name, staying, include_shared, conflicts, lambda n=stack.name: whole.add(n))
        elif stack.kind == "shared":
            live = deployed.modules(stack.name)
            for module in stack.modules.values():
                if not module.api or module.id not in live:
                    continue
                routed = stack.routed_agents(module)
                if not routed & chosen:
                    continue
                staying = sorted(a for a in routed - chosen if stack.owned_by([a]) & live)
                _api_decision(
                    selection,
                    f"{stack.name}: {module.address}",
                    staying,
                    include_shared,
                    conflicts,
                    lambda n=stack.name, m=module.id: targets.setdefault(n, set()).add(m),
                )

    # nothing that stays may read what goes: Terraform would fail on it (or, with -target, destroy it too)
    for stack in layout.stacks.values():
        if stack.name in whole or not deployed.modules(stack.name):
            continue
        read = [d for d in stack.dependencies if d in whole]
        if read:
            conflicts.setdefault(stack.name, f"stack {stack.name} reads {_names(read)} and would be left broken")
    for name, ids in targets.items():
        stack = layout.stacks[name]
        live = deployed.modules(name)
        for module in stack.modules.values():
            what = f"{name}: {module.address}"
            if module.id in live and module.id not in ids and module.uses & ids:
                conflicts.setdefault(
                    what, f"{what} uses {', '.join(_addresses(module.uses & ids))}; Terraform would destroy it too"
                )
    if conflicts:
        raise UserError(
            f"destroy --agent {' --agent '.join(sorted(chosen))} would break what stays deployed",
            detail="\n".join(conflicts.values()),
            hint="select those agents too, or pass --include-shared to destroy the shared parts anyway",
        )

    _shared_stacks(layout, selection, deployed, whole, include_shared)
    for name in list(targets):
        _shared_modules(layout.stacks[name], selection, deployed, whole, targets, include_shared)
    for name in layout.stacks:
        if name in whole:
            selection.stacks[name] = ()
        elif targets.get(name):
            selection.stacks[name] = tuple(_addresses(targets[name]))
            selection.notes.append(
                f"stack {name} holds other agents too: only {', '.join(_addresses(targets[name]))} are destroyed "
                "(Terraform -target)"
            )


def _api_decision(
    selection: Selection,
    what: str,
    staying: list[str],
    include_shared: bool,
    conflicts: dict[str, str],
    take: Callable[[], object],
) -> None:
    """The HTTP API goes with the last agent it routes to; while another deployed agent uses it, it stays."""
    if not staying:
        take()
        selection.notes.append(f"{what} goes too: it routes to no agent that stays deployed")
    elif include_shared:
        take()
        selection.notes.append(f"--include-shared: {what} goes although still used by {_names(staying)}")
    else:
        conflicts[what] = f"{what} (the HTTP API) also routes to {_names(staying)}, which stay deployed"


def _shared_stacks(
    layout: Layout, selection: Selection, deployed: DeployedView, whole: set[str], include_shared: bool
) -> None:
    """A shared stack goes when this destroy removes its last deployed reader, or with --include-shared."""
    unknown = deployed.unknown_stacks()
    for stack in reversed(list(layout.stacks.values())):
        if stack.kind != "shared" or stack.name in whole or not deployed.modules(stack.name):
            continue
        if any(m.agent for m in stack.modules.values()):
            continue  # holds agents' modules itself (`stacks: single`): decided module by module
        readers = [s for s in layout.stacks.values() if stack.name in s.dependencies]
        going = [s.name for s in readers if s.name in whole]
        staying = [s.name for s in readers if s.name not in whole and deployed.modules(s.name)] + unknown
        if not going and not include_shared:
            continue
        if not staying:
            whole.add(stack.name)
            selection.notes.append(f"shared stack {stack.name} goes too: no deployed stack uses it any more")
        elif include_shared:
            whole.add(stack.name)
            selection.notes.append(
                f"--include-shared: shared stack {stack.name} goes although still used by {_names(staying)}"
            )
        else:
            selection.left_alone[stack.name] = (
                f"shared: still used by {_names(staying)} (pass --include-shared to destroy it anyway)"
            )


def _shared_modules(
    stack: StackInfo,
    selection: Selection,
    deployed: DeployedView,
    whole: set[str],
    targets: dict[str, set[str]],
    include_shared: bool,
) -> None:
    """In a stack of several agents: when none stays, the whole stack goes; else shared modules stay."""
    ids = targets[stack.name]
    live = deployed.modules(stack.name)
    staying = sorted(
        m for m in live - ids if m not in stack.modules or stack.modules[m].agent is not None or stack.modules[m].api
    )
    if not staying:
        del targets[stack.name]
        whole.add(stack.name)
        selection.notes.append(f"stack {stack.name} goes whole: no other agent in it stays deployed")
        return
    used = (stack.closure(ids) - ids) & live
    if not used:
        return
    if not include_shared:
        selection.left_alone[f"{stack.name}: shared modules"] = (
            f"{', '.join(_addresses(used))} stay: other agents ({', '.join(_addresses(staying))}) are still "
            "deployed in this stack (pass --include-shared to destroy those no remaining module uses)"
        )
        return
    removable = set(used)
    changed = True
    while changed:
        changed = False
        for module_id in live - ids - removable:
            module = stack.modules.get(module_id)
            keep = removable & module.uses if module is not None else removable
            if keep:
                removable -= keep
                changed = True
    ids |= removable
    kept = used - removable
    if kept:
        selection.left_alone[f"{stack.name}: shared modules"] = (
            f"{', '.join(_addresses(kept))} stay: modules that remain deployed use them"
        )


def _rollback(layout: Layout, selection: Selection, deployed: DeployedView | None, create_missing: bool) -> None:
    """rollback: the recorded stacks (only the agents' own with --agent) that are deployed now."""
    chosen = set(selection.agents) if selection.agents is not None else None

    def live(name: str) -> frozenset[str]:
        return deployed.modules(name) if deployed is not None else frozenset({"*"})

    for stack in layout.stacks.values():
        if chosen is None or (stack.kind == "agent" and stack.agent in chosen):
            if live(stack.name) or create_missing:
                selection.stacks[stack.name] = ()
            else:
                selection.missing.append(stack.name)
            continue
        own = stack.owned_by(chosen)
        if stack.kind == "shared" and own:
            present = own if deployed is None or create_missing else own & live(stack.name)
            selection.missing += [f"{stack.name}: {a}" for a in _addresses(own - present)]
            if present:
                selection.stacks[stack.name] = tuple(_addresses(present))
                selection.notes.append(
                    f"stack {stack.name} holds other agents too: only {', '.join(_addresses(present))} are rolled "
                    "back (Terraform -target); Terraform also applies the recorded version of what they use"
                )
            continue
        if stack.kind != "agent":
            selection.left_alone[stack.name] = "shared with other agents: roll back without --agent to restore it"
    if selection.missing:
        selection.notes.append(
            f"not deployed now, so not re-created: {', '.join(selection.missing)} "
            "(pass --create-missing to create them)"
        )


def check_resume_selection(recorded: Sequence[str] | None, agents: Sequence[str] | None) -> None:
    """`apply --resume` continues a deployment exactly: a different --agent selection is refused."""
    if agents is None or (recorded is not None and sorted(recorded) == sorted(agents)):
        return
    made_for = f"--agent {' --agent '.join(recorded)}" if recorded else "every agent (no --agent)"
    raise UserError(
        f"the deployment to resume was made for {made_for}, not for --agent {' --agent '.join(agents)}",
        hint="resume it without --agent (it continues exactly what it was doing), or run `strands apply --agent ...`",
    )
