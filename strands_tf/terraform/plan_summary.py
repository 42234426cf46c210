"""The reviewer's view of a plan: counts per action, changes grouped by owner, replacements, drift, outputs.

``to_json()`` is a stable, versioned schema (docs/plan-summary-json.md); bump ``SCHEMA_VERSION`` on any
change that is not a pure addition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strands_tf.terraform.plan import (
    ACTIONS,
    REASON_TEXT,
    ActionInvocation,
    CheckResult,
    Plan,
    ResourceChange,
    config_address,
    gc_paused,
)

# 2: `has_changes` follows Terraform's definition of an applyable plan (moves, refresh-only drift, action
# invocations count); new `status`, `headline`, `counts.move`, `checks`, `action_invocations`, ...
SCHEMA_VERSION = 2
OTHER_KEY = "other"
# what `counts` counts: every normalized action, plus moves (counted next to the action, like imports)
COUNT_KEYS: tuple[str, ...] = (*ACTIONS, "move")
# `counts` keys in the order the headline names them, with their words
_COUNT_WORDS: tuple[tuple[str, str], ...] = (
    ("create", "to create"),
    ("update", "to update"),
    ("replace", "to replace"),
    ("delete", "to destroy"),
    ("read", "to read"),
    ("forget", "to forget"),
    ("import", "to import"),
    ("move", "to move"),
)


@dataclass(frozen=True, slots=True)
class Owner:
    """The element of strands.yaml a resource belongs to (an agent, a resource, a stack...)."""

    kind: str
    name: str
    file: str | None = None
    line: int | None = None

    @property
    def key(self) -> str:
        """Stable group key, ``kind:name``."""
        return f"{self.kind}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "name": self.name, "file": self.file, "line": self.line}


OwnerResolver = Callable[[str], "Owner | None"]


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


@dataclass(slots=True)
class ChangeItem:
    """One changed resource instance as the summary shows it."""

    address: str
    action: str
    type: str
    name: str
    module_address: str | None
    mode: str
    importing: bool
    reason: str | None
    previous_address: str | None
    deposed: str | None
    changed_attributes: list[str] | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "address": self.address,
            "action": self.action,
            "mode": self.mode,
            "type": self.type,
            "name": self.name,
            "module_address": self.module_address,
            "importing": self.importing,
            "reason": self.reason,
            "previous_address": self.previous_address,
            "deposed": self.deposed,
            "changed_attributes": self.changed_attributes,
        }


@dataclass(slots=True)
class OwnerGroup:
    """Changes that belong to one owner (or to no known owner: the "other" group)."""

    owner: Owner | None
    counts: dict[str, int] = field(default_factory=_empty_counts)
    changes: list[ChangeItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        """``kind:name`` of the owner, or "other"."""
        return self.owner.key if self.owner else OTHER_KEY

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "owner": self.owner.to_json() if self.owner else None,
            "counts": dict(self.counts),
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class Replacement:
    """A resource that will be destroyed and recreated, and why."""

    address: str
    order: str | None
    reason: str | None
    reason_text: str | None
    replace_paths: list[list[Any]]
    owner: Owner | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "address": self.address,
            "order": self.order,
            "reason": self.reason,
            "reason_text": self.reason_text,
            "replace_paths": self.replace_paths,
            "owner": self.owner.to_json() if self.owner else None,
        }


@dataclass(frozen=True, slots=True)
class DriftItem:
    """A change made outside Terraform, detected during refresh."""

    address: str
    action: str
    changed_attributes: list[str]
    relevant: bool = True  # False: a refresh difference that does not affect this plan (Terraform hides those)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "address": self.address,
            "action": self.action,
            "changed_attributes": self.changed_attributes,
            "relevant": self.relevant,
        }


@dataclass(frozen=True, slots=True)
class OutputItem:
    """An output value change; values are masked."""

    name: str
    action: str
    sensitive: bool
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "action": self.action,
            "sensitive": self.sensitive,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class CheckItem:
    """A condition or `check` block that failed (or could not be evaluated) during the plan."""

    address: str
    kind: str
    status: str
    problems: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "address": self.address,
            "kind": self.kind,
            "status": self.status,
            "problems": [{"instance": where, "message": message} for where, message in self.problems],
        }


@dataclass(frozen=True, slots=True)
class ActionItem:
    """An action the apply will invoke, what triggers it, and the strands.yaml element of its trigger."""

    address: str
    type: str
    trigger: str | None
    owner: Owner | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "address": self.address,
            "type": self.type,
            "trigger": self.trigger,
            "owner": self.owner.to_json() if self.owner else None,
        }


@dataclass(slots=True)
class PlanSummary:
    """Everything a reviewer needs from a plan, ready to render or serialise.

    ``status`` and ``headline`` are decided here, once: the text view prints the headline and the JSON
    carries both, so the two can never disagree.
    """

    format_version: str
    terraform_version: str | None
    errored: bool
    counts: dict[str, int]
    groups: list[OwnerGroup]
    replacements: list[Replacement]
    drift: list[DriftItem]
    outputs: list[OutputItem]
    has_changes: bool
    status: str = "no_changes"  # "errored", "changes" or "no_changes"
    headline: str = "no changes"
    refresh_only: bool = False
    complete: bool | None = None
    applyable: bool | None = None
    redacted: bool = False
    checks: list[CheckItem] = field(default_factory=list)
    action_invocations: list[ActionItem] = field(default_factory=list)

    @property
    def total_changes(self) -> int:
        """Number of resource instances that change (imports counted once)."""
        return sum(len(g.changes) for g in self.groups)

    def to_json(self) -> dict[str, Any]:
        """The stable ``--json`` document (schema in docs/plan-summary-json.md)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "format_version": self.format_version,
            "terraform_version": self.terraform_version,
            "status": self.status,
            "headline": self.headline,
            "errored": self.errored,
            "has_changes": self.has_changes,
            "refresh_only": self.refresh_only,
            "complete": self.complete,
            "applyable": self.applyable,
            "redacted": self.redacted,
            "counts": dict(self.counts),
            "groups": [g.to_json() for g in self.groups],
            "replacements": [r.to_json() for r in self.replacements],
            "drift": [d.to_json() for d in self.drift],
            "outputs": [o.to_json() for o in self.outputs],
            "checks": [c.to_json() for c in self.checks],
            "action_invocations": [a.to_json() for a in self.action_invocations],
        }


def _item(rc: ResourceChange) -> ChangeItem:
    detail = rc.action in ("update", "replace")
    return ChangeItem(
        address=rc.address,
        action=rc.action,
        type=rc.type,
        name=rc.name,
        module_address=rc.module_address,
        mode=rc.mode,
        importing=rc.importing is not None,
        reason=rc.action_reason,
        previous_address=rc.previous_address,
        deposed=rc.deposed,
        changed_attributes=rc.changed_attributes() if detail else None,
    )


def _count(counts: dict[str, int], rc: ResourceChange) -> None:
    counts[rc.action] = counts.get(rc.action, 0) + 1
    if rc.importing is not None and rc.action != "import":
        # Terraform counts an import next to the change it comes with ("1 to import, 1 to change").
        counts["import"] += 1
    if rc.previous_address:
        counts["move"] += 1  # a move is counted next to whatever else happens to the object


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _headline(
    plan: Plan,
    counts: dict[str, int],
    outputs: list[OutputItem],
    actions: list[ActionItem],
    drift: list[DriftItem],
    refresh_only: bool,
    has_changes: bool,
) -> str:
    """The one-line verdict the text view prints and the JSON carries (`headline`)."""
    parts = [f"{counts[key]} {words}" for key, words in _COUNT_WORDS if counts.get(key)]
    changed_outputs = sum(1 for o in outputs if o.action != "no-op")
    if changed_outputs:
        parts.append(f"{_plural(changed_outputs, 'output')} to change")
    if actions:
        parts.append(f"{_plural(len(actions), 'action')} to invoke")
    if plan.errored:
        before = f"; planned before the error: {', '.join(parts)}" if parts else ""
        return f"the plan errored: Terraform stopped with errors, so this plan cannot be applied{before}"
    if refresh_only:
        recorded = [f"{_plural(len(drift), 'object')} changed outside Terraform"] if drift else []
        recorded += parts
        if not recorded:
            return "refresh only: no changes"
        return f"refresh only: {', '.join(recorded)}; applying records this in the state and changes no object"
    if parts:
        return ", ".join(parts)
    if has_changes:
        return "changes to the Terraform state only (Terraform marks the plan applyable)"
    return "no changes"


def _state_has_resources(plan: Plan) -> bool:
    """True when the plan's prior state holds a managed resource (in any module)."""
    prior = plan.prior_state or {}
    pending = [(prior.get("values") or {}).get("root_module") or {}]
    while pending:
        module = pending.pop()
        if not isinstance(module, dict):
            continue
        resources = module.get("resources") or []
        if any(isinstance(r, dict) and r.get("mode", "managed") == "managed" for r in resources):
            return True  # data sources are read during a normal plan without a resource change
        pending.extend(module.get("child_modules") or [])
    return False


def _failing_checks(plan: Plan) -> list[CheckItem]:
    failing: list[CheckResult] = [c for c in plan.checks if c.status in ("fail", "error")]
    return [CheckItem(c.address, c.kind, c.status, list(c.problems)) for c in failing]


def _action_item(action: ActionInvocation, owner_of: OwnerResolver | None) -> ActionItem:
    owner = owner_of(action.triggering_address) if owner_of and action.triggering_address else None
    return ActionItem(action.address, action.type, action.trigger, owner)


def summarize(plan: Plan, owner_of: OwnerResolver | None = None) -> PlanSummary:
    """Summarise ``plan``; ``owner_of(address)`` maps a resource address to its owner (None → "other")."""
    with gc_paused():
        return _summarize(plan, owner_of)


def _summarize(plan: Plan, owner_of: OwnerResolver | None) -> PlanSummary:
    counts = _empty_counts()
    groups: dict[str, OwnerGroup] = {}
    replacements: list[Replacement] = []
    has_changes = False
    for rc in plan.resource_changes:
        _count(counts, rc)
        owner = owner_of(rc.address) if owner_of else None
        key = owner.key if owner else OTHER_KEY
        group = groups.get(key)
        if group is None:
            group = groups[key] = OwnerGroup(owner)
        _count(group.counts, rc)
        if not rc.changes:
            continue
        has_changes = True
        group.changes.append(_item(rc))
        if rc.action == "replace":
            replacements.append(
                Replacement(
                    address=rc.address,
                    order=rc.replace_order,
                    reason=rc.action_reason,
                    reason_text=REASON_TEXT.get(rc.action_reason or ""),
                    replace_paths=rc.replace_paths,
                    owner=owner,
                )
            )
    outputs = []
    for oc in plan.output_changes.values():
        if oc.action != "no-op":
            has_changes = True
        outputs.append(OutputItem(oc.name, oc.action, oc.sensitive, oc.masked_before(), oc.masked_after()))
    drift = []
    relevant = plan.relevant_addresses
    changed = {rc.address for rc in plan.resource_changes if rc.changes}
    for d in plan.resource_drift:
        if d.action == "update" and d.before == d.after:
            continue  # Terraform 1.0 listed refreshed objects that did not change; that is not drift
        # it matters when a planned change reads it, or when the plan changes that resource (back)
        matters = relevant is None or d.address in relevant or d.address in changed
        attrs = d.changed_attributes() if d.action == "update" else []
        drift.append(DriftItem(d.address, d.action, attrs, relevant=matters))
    actions = [_action_item(a, owner_of) for a in plan.action_invocations]
    if actions:
        has_changes = True  # Terraform: action invocations alone make a plan applyable
    # `terraform plan -refresh-only` proposes no resource changes at all: what it applies is the drift and
    # the outputs (recorded in the state). A normal plan lists every resource of the state, no-ops included,
    # so an empty resource_changes next to drift or a non-empty prior state means refresh-only.
    refresh_only = not plan.resource_changes and (bool(drift) or _state_has_resources(plan))
    has_changes = has_changes or (refresh_only and bool(drift) and plan.applyable is not False)
    has_changes = has_changes or plan.applyable is True
    # Owners in first-seen order, the catch-all group last.
    ordered = [g for k, g in groups.items() if k != OTHER_KEY]
    if OTHER_KEY in groups:
        ordered.append(groups[OTHER_KEY])
    return PlanSummary(
        format_version=plan.format_version,
        terraform_version=plan.terraform_version,
        errored=plan.errored,
        counts=counts,
        groups=ordered,
        replacements=replacements,
        drift=drift,
        outputs=outputs,
        has_changes=has_changes,
        status="errored" if plan.errored else "changes" if has_changes else "no_changes",
        headline=_headline(plan, counts, outputs, actions, drift, refresh_only, has_changes),
        refresh_only=refresh_only,
        complete=plan.complete,
        applyable=plan.applyable,
        redacted=plan.redacted,
        checks=_failing_checks(plan),
        action_invocations=actions,
    )


_MODULE_SEGMENT = re.compile(r'module\.[^.\["]+(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\])?')


def module_prefixes(address: str) -> list[str]:
    """Module path prefixes of an address, outermost first: ``module.a``, ``module.a.module.b``."""
    out: list[str] = []
    pos = 0
    while True:
        m = _MODULE_SEGMENT.match(address, pos)
        if m is None:
            return out
        out.append(address[: m.end()])
        if address[m.end() : m.end() + 1] != ".":
            return out
        pos = m.end() + 1


def module_owner_resolver(owners: dict[str, Owner]) -> OwnerResolver:
    """A resolver from module-call prefixes: ``{"module.support": Owner(...)}``; the innermost match wins.

    Keys may name a module instance (``module.a["x"]``) or the module call (``module.a``).
    """

    def owner_of(address: str) -> Owner | None:
        for prefix in reversed(module_prefixes(address)):
            found = owners.get(prefix)
            if found is None and "[" in prefix:
                found = owners.get(config_address(prefix))
            if found is not None:
                return found
        return None

    return owner_of
