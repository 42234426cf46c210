"""Typed, light model of `terraform show -json <planfile>` output (plan JSON format 0.x and 1.x).

The file is decoded with one ``json.loads``; values (before/after/unknown/sensitive markers) stay the
raw dicts and lists json produced, wrapped in slotted dataclasses, so a 10,000-resource plan costs
little more than decoding it. Anything shown or stored goes through :func:`mask_value`.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.errors import Category, StrandsError
from strands_tf.inputfile import MAX_PLAN_BYTES, BoundedReader, InputFileError, open_input

log = logging.getLogger(__name__)

SENSITIVE = "(sensitive)"
UNKNOWN = "(known after apply)"

# Normalized actions, in the order summaries list them.
ACTIONS: tuple[str, ...] = ("create", "update", "replace", "delete", "read", "forget", "import", "no-op")

_ACTION_MAP: dict[tuple[str, ...], tuple[str, str | None]] = {
    ("no-op",): ("no-op", None),
    ("create",): ("create", None),
    ("read",): ("read", None),
    ("update",): ("update", None),
    ("delete", "create"): ("replace", "delete_before_create"),
    ("create", "delete"): ("replace", "create_before_destroy"),
    ("delete",): ("delete", None),
    ("forget",): ("forget", None),
    ("create", "forget"): ("replace", "create_then_forget"),
}

# Human wording for Terraform's action_reason values (plans/planproto ResourceInstanceActionReason).
REASON_TEXT: dict[str, str] = {
    "replace_because_tainted": "the object is tainted (its creation failed or it was tainted)",
    "replace_because_cannot_update": "an attribute that cannot be updated in place changed",
    "replace_by_request": "replacement was requested with -replace",
    "replace_by_triggers": "a replace_triggered_by reference changed",
    "delete_because_no_resource_config": "its configuration was removed",
    "delete_because_no_module": "its module was removed",
    "delete_because_wrong_repetition": "count/for_each was added or removed",
    "delete_because_count_index": "its count index is out of range",
    "delete_because_each_key": "its for_each key no longer exists",
    "delete_because_no_move_target": "the target of a moved block does not exist",
    "read_because_config_unknown": "its configuration depends on values known only after apply",
    "read_because_dependency_pending": "a resource it depends on has pending changes",
    "read_because_check_nested": "it is read by a check block",
}

SUPPORTED_MAJORS = (0, 1)


class PlanError(StrandsError):
    """A file that is not a readable plan JSON (wrong kind of file, syntax error, unsupported version)."""

    category = Category.CONFIGURATION


# ---------------------------------------------------------------------------------------------------
# Addresses


_KEY_RE = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')


def config_address(address: str) -> str:
    """Strip instance keys: ``module.a[0].aws_x.y["k"]`` → ``module.a.aws_x.y``."""
    if "[" not in address:
        return address
    return _KEY_RE.sub("", address)


def split_address(address: str) -> list[str]:
    """Split an address on dots that are outside instance-key brackets and quotes."""
    parts: list[str] = []
    start = 0
    depth = 0
    in_quote = False
    escaped = False
    for i, ch in enumerate(address):
        if in_quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "." and depth == 0:
            parts.append(address[start:i])
            start = i + 1
    parts.append(address[start:])
    return parts


@dataclass(frozen=True, slots=True)
class ResourceAddress:
    """A parsed resource instance address."""

    module: str  # "" for the root module, else e.g. ``module.a[0].module.b``
    mode: str  # "managed" or "data"
    type: str
    name: str
    key: str | None  # the instance key as written, e.g. ``0`` or ``"p1"`` (with quotes), or None

    @property
    def resource(self) -> str:
        """Address within its module, without the module path."""
        base = f"data.{self.type}.{self.name}" if self.mode == "data" else f"{self.type}.{self.name}"
        return f"{base}[{self.key}]" if self.key is not None else base


def _split_key(part: str) -> tuple[str, str | None]:
    if part.endswith("]") and "[" in part:
        i = part.index("[")
        return part[:i], part[i + 1 : -1]
    return part, None


def parse_address(address: str) -> ResourceAddress:
    """Parse ``module.m[0].data.aws_x.y["k"]`` into its parts; raises ValueError if malformed."""
    parts = split_address(address)
    modules: list[str] = []
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        modules.append(f"module.{parts[i + 1]}")
        i += 2
    rest = parts[i:]
    mode = "managed"
    if rest and rest[0] == "data":
        mode = "data"
        rest = rest[1:]
    if len(rest) != 2 or not rest[0] or not rest[1]:
        raise ValueError(f"not a resource address: {address!r}")
    name, key = _split_key(rest[1])
    return ResourceAddress(".".join(modules), mode, rest[0], name, key)


def _format_index(index: Any) -> str:
    if isinstance(index, str):
        return json.dumps(index)
    return str(index)


def build_address(module: str | None, mode: str, type_: str, name: str, index: Any = None) -> str:
    """Compose an address from parts (used when a drift entry of format 0.x has no ``address``)."""
    base = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    if index is not None:
        base += f"[{_format_index(index)}]"
    return f"{module}.{base}" if module else base


# ---------------------------------------------------------------------------------------------------
# Masking


def mask_value(value: Any, sensitive: Any = False, unknown: Any = False) -> Any:
    """Return ``value`` with sensitive parts as "(sensitive)" and unknown parts as "(known after apply)".

    ``sensitive`` and ``unknown`` are Terraform's marker trees (``after_sensitive``/``after_unknown``):
    ``True`` marks the whole value, a dict/list marks its members. Unknown members are absent from (or
    null in) ``value``; they are added back as "(known after apply)". Where a marker tree does not match
    the value's shape the value is treated as sensitive: nothing marked secret leaks through a mismatch.
    """
    if sensitive is True:
        return SENSITIVE
    if unknown is True:
        return UNKNOWN
    if not sensitive and not unknown:
        return value
    if isinstance(value, dict) or (value is None and isinstance(unknown, dict)):
        src = value or {}
        sens = sensitive if isinstance(sensitive, dict) else None
        unk = unknown if isinstance(unknown, dict) else None
        if sensitive and sens is None:
            return SENSITIVE
        out: dict[str, Any] = {}
        for k, v in src.items():
            out[k] = mask_value(v, sens.get(k, False) if sens else False, unk.get(k, False) if unk else False)
        if unk:
            for k, u in unk.items():
                if k not in src and u:
                    out[k] = mask_value(None, sens.get(k, False) if sens else False, u)
        return out
    if isinstance(value, list) or (value is None and isinstance(unknown, list)):
        src_list = value or []
        sens_l = sensitive if isinstance(sensitive, list) else None
        unk_l = unknown if isinstance(unknown, list) else None
        if sensitive and sens_l is None:
            return SENSITIVE
        n = max(len(src_list), len(unk_l) if unk_l else 0)
        result = []
        for i in range(n):
            v = src_list[i] if i < len(src_list) else None
            s = sens_l[i] if sens_l and i < len(sens_l) else False
            u = unk_l[i] if unk_l and i < len(unk_l) else False
            result.append(mask_value(v, s, u))
        return result
    if sensitive:
        # A container marker over a scalar: the shapes disagree, so hide the value.
        return SENSITIVE
    return value


def changed_keys(before: Any, after: Any, after_unknown: Any = None) -> list[str]:
    """Top-level attribute names whose value differs between before and after (or becomes unknown)."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    keys = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    if isinstance(after_unknown, dict):
        keys.update(k for k, u in after_unknown.items() if u is True and k in b)
    return sorted(keys)


# ---------------------------------------------------------------------------------------------------
# Model


@dataclass(slots=True)
class ResourceChange:
    """One entry of ``resource_changes`` or ``resource_drift``; values are kept raw."""

    address: str
    mode: str
    type: str
    name: str
    index: Any
    module_address: str | None
    provider_name: str | None
    actions: tuple[str, ...]
    action: str
    replace_order: str | None
    action_reason: str | None
    replace_paths: list[list[Any]]
    before: Any
    after: Any
    after_unknown: Any
    before_sensitive: Any
    after_sensitive: Any
    importing: dict[str, Any] | None
    previous_address: str | None
    deposed: str | None

    @property
    def is_import(self) -> bool:
        """True when the plan imports this object (alone or together with a change)."""
        return self.importing is not None

    @property
    def changes(self) -> bool:
        """True unless this is a plain no-op (imports and moves count as changes)."""
        return self.action != "no-op" or self.importing is not None or bool(self.previous_address)

    def masked_before(self) -> Any:
        """``before`` with sensitive values masked."""
        return mask_value(self.before, self.before_sensitive)

    def masked_after(self) -> Any:
        """``after`` with sensitive and unknown values masked."""
        return mask_value(self.after, self.after_sensitive, self.after_unknown)

    def changed_attributes(self) -> list[str]:
        """Top-level attributes that change (for updates, replacements and drift)."""
        return changed_keys(self.before, self.after, self.after_unknown)


@dataclass(slots=True)
class OutputChange:
    """One entry of ``output_changes``."""

    name: str
    actions: tuple[str, ...]
    action: str
    before: Any
    after: Any
    after_unknown: Any
    before_sensitive: Any
    after_sensitive: Any

    @property
    def sensitive(self) -> bool:
        """True when either side is (partly) sensitive."""
        return bool(self.before_sensitive) or bool(self.after_sensitive)

    def masked_before(self) -> Any:
        """Old value, masked."""
        return mask_value(self.before, self.before_sensitive)

    def masked_after(self) -> Any:
        """New value, masked (unknown → "(known after apply)")."""
        return mask_value(self.after, self.after_sensitive, self.after_unknown)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One checkable object (a resource's conditions, an output's, a `check` block, a variable's validation).

    ``status`` is Terraform's: ``pass``, ``fail``, ``error`` or ``unknown`` (decided only at apply);
    ``problems`` are the failing instances' addresses with the author's error messages.
    """

    address: str
    kind: str
    status: str
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ActionInvocation:
    """An action the apply will invoke (Terraform 1.14+ `action` blocks), and what triggers it.

    ``trigger`` is ``"<event> of <resource address>"`` for a lifecycle trigger (``after_create of
    aws_s3_bucket.logs``), ``"invoked"`` for ``terraform apply -invoke``, else None.
    """

    address: str
    type: str
    name: str
    provider_name: str | None
    trigger: str | None
    triggering_address: str | None


@dataclass(slots=True)
class Plan:
    """A decoded plan JSON."""

    format_version: str
    terraform_version: str | None
    resource_changes: list[ResourceChange]
    resource_drift: list[ResourceChange]
    output_changes: dict[str, OutputChange]
    variables: dict[str, Any]
    errored: bool
    complete: bool | None
    applyable: bool | None
    timestamp: str | None
    source: str = "<plan>"
    action_invocations: list[ActionInvocation] = field(default_factory=list)
    # HCP Terraform's redacted plan JSON (`/plans/:id/json-output-redacted`): `plan_format_version`,
    # provider schemas, no errored/applyable/complete and no configuration or prior state
    redacted: bool = False
    # Decoded on first use: a dict, or the member's JSON text kept by load_plan (see _LAZY_KEYS).
    _configuration: Any = field(default=None, repr=False)
    _prior_state: Any = field(default=None, repr=False)
    _relevant: Any = field(default=None, repr=False)
    _checks: Any = field(default=None, repr=False)
    _by_address: dict[str, ResourceChange] | None = field(default=None, repr=False)

    @property
    def relevant_addresses(self) -> set[str] | None:
        """Addresses whose attributes contributed to this plan (``relevant_attributes``); None if not recorded.

        Terraform's own UI shows drift only for these: other refresh differences do not affect the plan.
        Format 1.1 (Terraform 1.2) introduced the member and leaves it out when it would be empty.
        """
        if isinstance(self._relevant, _Lazy):
            self._relevant = self._relevant.load()
        if not isinstance(self._relevant, list):
            return set() if _version_tuple(self.format_version) >= (1, 1) else None
        return {str(r.get("resource")) for r in self._relevant if isinstance(r, dict) and r.get("resource")}

    @property
    def configuration(self) -> dict[str, Any]:
        """The ``configuration`` member (``{}`` when absent)."""
        if isinstance(self._configuration, _Lazy):
            self._configuration = self._configuration.load()
        return self._configuration if isinstance(self._configuration, dict) else {}

    @property
    def checks(self) -> list[CheckResult]:
        """The ``checks`` member (Terraform 1.5+): every checkable object with its status."""
        if isinstance(self._checks, _Lazy):
            self._checks = self._checks.load()
        if isinstance(self._checks, list) and not all(isinstance(c, CheckResult) for c in self._checks):
            self._checks = _check_results(self._checks)
        return self._checks if isinstance(self._checks, list) else []

    @property
    def prior_state(self) -> dict[str, Any] | None:
        """The ``prior_state`` member, if present."""
        if isinstance(self._prior_state, _Lazy):
            self._prior_state = self._prior_state.load()
        return self._prior_state if isinstance(self._prior_state, dict) else None

    def masked_variables(self) -> dict[str, Any]:
        """Root input variable values, masked where declared ``sensitive`` or where the declaration is unknown.

        Plan JSON stores variable values in clear text without a sensitivity mark; only the configuration's
        declarations tell, so a variable without a readable declaration is treated as sensitive.
        """
        declared = (self.configuration.get("root_module") or {}).get("variables") or {}
        out: dict[str, Any] = {}
        for name, var in self.variables.items():
            decl = declared.get(name)
            value = var.get("value") if isinstance(var, dict) else None
            sensitive = not isinstance(decl, dict) or bool(decl.get("sensitive"))
            out[name] = SENSITIVE if sensitive else value
        return out

    @property
    def changes(self) -> list[ResourceChange]:
        """Resource changes that do something (everything but plain no-ops)."""
        return [rc for rc in self.resource_changes if rc.changes]

    def get(self, address: str) -> ResourceChange | None:
        """The resource change at ``address`` (current, non-deposed object), if any."""
        if self._by_address is None:
            self._by_address = {rc.address: rc for rc in self.resource_changes if rc.deposed is None}
        return self._by_address.get(address)


# ---------------------------------------------------------------------------------------------------
# Parsing


def _normalize_actions(actions: tuple[str, ...], importing: Any, where: str) -> tuple[str, str | None]:
    found = _ACTION_MAP.get(actions)
    if found is None:
        log.warning("unknown plan action %s at %s; shown as is", list(actions), where)
        return "+".join(actions) or "no-op", None
    action, order = found
    if importing is not None and action == "no-op":
        return "import", None
    return action, order


def _fail(source: str, summary: str, detail: str | None = None, hint: str | None = None) -> PlanError:
    return PlanError(
        f"{source}: {summary}",
        detail=detail,
        hint=hint or "Pass the output of `terraform show -json <planfile>` (a saved plan, not a state).",
        data={"file": source},
    )


def _resource_change(raw: Any, where: str, source: str) -> ResourceChange:
    if not isinstance(raw, dict):
        raise _fail(source, f"{where} is a {type(raw).__name__}, expected an object")
    change = raw.get("change")
    if not isinstance(change, dict):
        raise _fail(source, f"{where}.change is missing or not an object")
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise _fail(source, f"{where}.change.actions is missing or not a list of strings")
    mode = raw.get("mode", "managed")
    type_ = raw.get("type", "")
    name = raw.get("name", "")
    index = raw.get("index")
    module_address = raw.get("module_address")
    address = raw.get("address")
    if not isinstance(address, str):
        if not type_ or not name:
            raise _fail(source, f"{where} has neither an address nor type and name")
        # Format 0.x drift entries carry no address; rebuild it from its parts.
        address = build_address(module_address, mode, type_, name, index)
    importing = change.get("importing")
    acts = tuple(actions)
    action, order = _normalize_actions(acts, importing, where)
    reason = raw.get("action_reason")
    return ResourceChange(
        address=address,
        mode=mode,
        type=type_,
        name=name,
        index=index,
        module_address=module_address,
        provider_name=raw.get("provider_name"),
        actions=acts,
        action=action,
        replace_order=order,
        action_reason=reason if isinstance(reason, str) else None,
        replace_paths=_replace_paths(change.get("replace_paths")),
        before=change.get("before"),
        after=change.get("after"),
        after_unknown=change.get("after_unknown", False),
        before_sensitive=change.get("before_sensitive", False),
        after_sensitive=change.get("after_sensitive", False),
        importing=importing if isinstance(importing, dict) else None,
        previous_address=raw.get("previous_address"),
        deposed=raw.get("deposed"),
    )


def _replace_paths(raw: Any) -> list[list[Any]]:
    """The attribute paths that force a replacement: lists of names and indexes (anything else is left out)."""
    if not isinstance(raw, list):
        return []
    return [
        path
        for path in raw
        if isinstance(path, list) and all(isinstance(step, str | int) and not isinstance(step, bool) for step in path)
    ]


def _display(address: Any) -> str:
    if isinstance(address, dict):
        return str(address.get("to_display") or "?")
    return str(address) if address is not None else "?"


def _check_results(raw: list[Any]) -> list[CheckResult]:
    """Terraform's ``checks`` array → CheckResult per checkable object (malformed entries are skipped)."""
    out: list[CheckResult] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        address = entry.get("address")
        kind = address.get("kind") if isinstance(address, dict) else None
        problems: list[tuple[str, str]] = []
        for instance in entry.get("instances") or []:
            if not isinstance(instance, dict):
                continue
            where = _display(instance.get("address"))
            messages = [p.get("message") for p in instance.get("problems") or [] if isinstance(p, dict)]
            if instance.get("status") in ("fail", "error"):
                problems += [(where, str(m)) for m in messages if m] or [(where, "")]
        out.append(
            CheckResult(_display(address), str(kind or "?"), str(entry.get("status") or "unknown"), tuple(problems))
        )
    return out


def _action_invocations(raw: Any, source: str) -> list[ActionInvocation]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail(source, "action_invocations is not a list")
    out: list[ActionInvocation] = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("address"), str):
            raise _fail(source, f"action_invocations[{i}] has no address")
        lifecycle = entry.get("lifecycle_action_trigger")
        invoke = entry.get("invoke_action_trigger")
        trigger: str | None = None
        triggering: str | None = None
        if isinstance(lifecycle, dict):
            triggering = lifecycle.get("triggering_resource_address")
            event = lifecycle.get("action_trigger_event") or "triggered"
            trigger = f"{event} of {triggering}" if triggering else str(event)
        elif isinstance(invoke, dict):
            triggering = invoke.get("calling_resource_address")
            trigger = "invoked"
        out.append(
            ActionInvocation(
                address=entry["address"],
                type=str(entry.get("type") or ""),
                name=str(entry.get("name") or ""),
                provider_name=entry.get("provider_name"),
                trigger=trigger,
                triggering_address=triggering,
            )
        )
    return out


def _describe_other(doc: dict[str, Any]) -> str | None:
    """Name what a non-plan JSON object looks like, for the error message."""
    if isinstance(doc.get("version"), int) and "resources" in doc and ("lineage" in doc or "serial" in doc):
        return f"a Terraform state file (tfstate version {doc['version']})"
    if "format_version" in doc and "values" in doc and "resource_changes" not in doc:
        return "the JSON of a state (`terraform show -json` without a plan file)"
    if "@message" in doc and "type" in doc:
        return "a machine-readable UI log line (`terraform plan -json`)"
    if "provider_schemas" in doc:
        return "provider schemas (`terraform providers schema -json`)"
    if "resource" in doc or "terraform" in doc or "provider" in doc:
        return "a Terraform JSON configuration (*.tf.json), not a plan"
    return None


def parse_plan_dict(doc: Any, source: str = "<plan>") -> Plan:
    """Build a :class:`Plan` from an already decoded plan JSON document."""
    if not isinstance(doc, dict):
        kind = "an array" if isinstance(doc, list) else f"a {type(doc).__name__}"
        raise _fail(source, f"not a plan: the JSON document is {kind}, expected an object")
    # HCP Terraform serves plans as "redacted" JSON for its structured renderer: same resource_changes,
    # resource_drift, output_changes and action_invocations, versioned by plan_format_version
    redacted = "format_version" not in doc and isinstance(doc.get("plan_format_version"), str)
    fmt = doc.get("plan_format_version") if redacted else doc.get("format_version")
    what = None if redacted else _describe_other(doc)
    if what and ("resource_changes" not in doc and "planned_values" not in doc):
        raise _fail(source, f"not a plan: this is {what}")
    if not isinstance(fmt, str):
        raise _fail(
            source,
            "not a plan: no format_version"
            + (f" (this looks like {what})" if what else " (expected the output of terraform show -json)"),
        )
    try:
        major = int(fmt.split(".", 1)[0])
    except ValueError:
        raise _fail(source, f"format_version {fmt!r} is not a version number") from None
    if major not in SUPPORTED_MAJORS:
        raise _fail(
            source,
            f"plan JSON format_version {fmt} is not supported (this tool reads 0.x and 1.x)",
            hint="Create the plan with Terraform 1.x / OpenTofu 1.x, or upgrade strands-tf.",
        )
    if not redacted and not any(
        k in doc for k in ("resource_changes", "planned_values", "configuration", "output_changes")
    ):
        raise _fail(source, "not a plan: none of resource_changes, planned_values, configuration found")

    raw_changes = doc.get("resource_changes")
    if raw_changes is None:
        raw_changes = []
    if not isinstance(raw_changes, list):
        raise _fail(source, "resource_changes is not a list")
    changes = [_resource_change(r, f"resource_changes[{i}]", source) for i, r in enumerate(raw_changes)]
    raw_drift = doc.get("resource_drift")
    if raw_drift is None:
        raw_drift = []
    if not isinstance(raw_drift, list):
        raise _fail(source, "resource_drift is not a list")
    drift = [_resource_change(r, f"resource_drift[{i}]", source) for i, r in enumerate(raw_drift)]

    outputs: dict[str, OutputChange] = {}
    raw_outputs = doc.get("output_changes")
    if raw_outputs is None:
        raw_outputs = {}
    if not isinstance(raw_outputs, dict):
        raise _fail(source, "output_changes is not an object")
    for name, oc in raw_outputs.items():
        if not isinstance(oc, dict) or not isinstance(oc.get("actions"), list):
            raise _fail(source, f"output_changes.{name} has no actions list")
        if not all(isinstance(a, str) for a in oc["actions"]):
            raise _fail(source, f"output_changes.{name}.actions is not a list of strings")
        acts = tuple(oc["actions"])
        action, _ = _normalize_actions(acts, None, f"output_changes.{name}")
        outputs[name] = OutputChange(
            name=name,
            actions=acts,
            action=action,
            before=oc.get("before"),
            after=oc.get("after"),
            after_unknown=oc.get("after_unknown", False),
            before_sensitive=oc.get("before_sensitive", False),
            after_sensitive=oc.get("after_sensitive", False),
        )
    return Plan(
        format_version=fmt,
        terraform_version=doc.get("terraform_version"),
        resource_changes=changes,
        resource_drift=drift,
        output_changes=outputs,
        variables=doc.get("variables") or {},
        errored=doc.get("errored") is True,
        complete=doc.get("complete") if isinstance(doc.get("complete"), bool) else None,
        applyable=doc.get("applyable") if isinstance(doc.get("applyable"), bool) else None,
        timestamp=doc.get("timestamp"),
        source=source,
        action_invocations=_action_invocations(doc.get("action_invocations"), source),
        redacted=redacted,
        _configuration=doc.get("configuration"),
        _prior_state=doc.get("prior_state"),
        _relevant=doc.get("relevant_attributes"),
        _checks=doc.get("checks"),
    )


def _syntax_error(source: str, data: bytes | str, exc: json.JSONDecodeError) -> PlanError:
    text = exc.doc if isinstance(exc.doc, str) else ""
    at_end = exc.pos >= len(text.rstrip())
    if at_end:
        summary = f"truncated JSON: the file ends early (line {exc.lineno}, column {exc.colno})"
        hint = "The file is incomplete; run `terraform show -json <planfile>` again and save all of it."
    else:
        summary = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        hint = None
        if exc.msg == "Extra data":
            first_line = text[: exc.pos].strip()
            try:
                first = json.loads(first_line)
            except ValueError:
                first = None
            if isinstance(first, dict) and "@message" in first:
                summary = (
                    "not a plan: this is a machine-readable UI log (one JSON object per line, "
                    "from `terraform plan -json`)"
                )
                hint = "Save it with `terraform plan -out=tfplan`, then run `terraform show -json tfplan`."
    return _fail(source, summary, detail=str(exc), hint=hint)


def parse_plan_bytes(data: bytes | str, source: str = "<plan>") -> Plan:
    """Decode and model a plan JSON document given as bytes or text."""
    if not data or not data.strip():
        raise _fail(source, "the file is empty, expected a plan JSON object")
    with gc_paused():
        try:
            doc = json.loads(data)
        except json.JSONDecodeError as exc:
            raise _syntax_error(source, data, exc) from None
        except RecursionError:
            raise _fail(source, "the JSON is nested too deeply to read; Terraform never writes such a plan") from None
        except UnicodeDecodeError as exc:
            raise _fail(source, f"not a text file: {exc.reason} at byte {exc.start}") from None
        return parse_plan_dict(doc, source)


class _Lazy:
    """The JSON text of a top-level member, decoded when first needed."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def load(self) -> Any:
        return json.loads(self.text)


# Top-level members a plan summary never needs. planned_values duplicates resource_changes' "after" values
# and provider_schemas (HCP's redacted plans) describes providers: both are dropped; the others are kept
# as text and decoded on first access (waves read configuration).
_SKIP_KEYS = frozenset({"planned_values", "provider_schemas"})
_SKIPPED = None  # what a skipped member's value becomes: its presence still tells what kind of document it is
_LAZY_KEYS = frozenset({"prior_state", "configuration", "relevant_attributes", "checks", "deferred_changes"})
# Below this many characters consumed, re-reading the rest of the file saves too little to bother.
_REREAD_MIN = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


def _member(text: str, i: int, doc: dict[str, Any], first: bool) -> tuple[int, bool]:
    """Read one ``"key": value`` pair of the top-level object into ``doc`` (or its closing brace).

    ``first``: ``i`` is just after the opening brace; otherwise just after a value. Returns the index
    reached and whether the closing brace was consumed.
    """
    ws = _WS.match
    i = ws(text, i).end()  # type: ignore[union-attr]
    c = text[i : i + 1]
    if c == "}":
        return i + 1, True
    if not first:
        if c != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = ws(text, i + 1).end()  # type: ignore[union-attr]
    if text[i : i + 1] != '"':
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
    key, i = _scanstring(text, i + 1)
    i = ws(text, i).end()  # type: ignore[union-attr]
    if text[i : i + 1] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
    i = ws(text, i + 1).end()  # type: ignore[union-attr]
    value, end = _DECODER.raw_decode(text, i)
    if key in _LAZY_KEYS:
        doc[key] = _Lazy(text[i:end])
    elif key == "resource_changes" and isinstance(value, list):
        for rc in value:
            _share_unchanged(rc)
        doc[key] = value
    elif key in _SKIP_KEYS:
        doc[key] = _SKIPPED
    else:
        doc[key] = value
    return end, False


def _share_unchanged(rc: Any) -> None:
    """Let ``after`` reuse ``before``'s objects for attributes that did not change (halves no-op/update memory).

    Values are treated as read-only everywhere, so sharing is safe.
    """
    change = rc.get("change") if isinstance(rc, dict) else None
    if not isinstance(change, dict):
        return
    before, after = change.get("before"), change.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for k, v in after.items():
            old = before.get(k)
            if old is not None and old is not v and old == v:
                after[k] = old


def _byte_offset(text: str, index: int) -> int:
    """UTF-8 length of ``text[:index]``, encoded a chunk at a time (no full copy)."""
    if text.isascii():
        return index
    step = 1 << 20
    return sum(len(text[k : min(k + step, index)].encode("utf-8")) for k in range(0, index, step))


def _load_plan_doc(fh: BoundedReader, source: Path) -> dict[str, Any] | None:
    """Decode the top-level members with the least memory, or None when the document is not an object.

    Members are decoded one at a time; planned_values is dropped, the members after resource_changes
    that a summary does not need are kept as text (see _LAZY_KEYS), and after every large member the
    consumed text is released and the rest of the file read again.
    """
    data = fh.read()
    if data[:2] == b"PK":
        raise _fail(
            str(source),
            "this is a binary plan file (terraform plan -out), not its JSON",
            hint=f"Convert it with `terraform show -json {source.name} > plan.json`.",
        )
    if not data.strip():
        raise _fail(str(source), "the file is empty, expected a plan JSON object")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    # The only reference to the bytes is dropped once decoded: text and bytes never add up with the objects.
    text = data[bom:].decode("utf-8") if bom else data.decode("utf-8")
    del data
    i = _WS.match(text).end()  # type: ignore[union-attr]
    if text[i : i + 1] != "{":
        return None
    doc: dict[str, Any] = {}
    base = bom  # byte offset in the file of text[0]
    i += 1
    first = True
    while True:
        start = i
        i, done = _member(text, i, doc, first)
        first = False
        if done:
            break
        if i - start > len(text) // 8 and i > _REREAD_MIN and i < len(text):
            # A large member was consumed: drop the text before it and read the rest of the file again,
            # so the text already decoded never coexists with the objects of the next large member.
            base += _byte_offset(text, i)
            del text
            fh.seek(base)
            text = fh.read().decode("utf-8")
            i = 0
    rest = _WS.match(text, i).end()  # type: ignore[union-attr]
    if rest != len(text):
        raise json.JSONDecodeError("Extra data", text, rest)
    return doc


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Decoding a large plan allocates millions of containers; each automatic collection would walk all of
    them again (quadratic work). JSON data has no reference cycles, so nothing is left for the collector.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_plan(path: str | Path) -> Plan:
    """Read a plan JSON file; every failure is a :class:`PlanError` naming the file."""
    with gc_paused():
        return _load_plan(Path(path))


def _load_plan(p: Path) -> Plan:
    try:
        with open_input(p, MAX_PLAN_BYTES) as raw:
            try:
                doc = _load_plan_doc(raw, p)
            except (ValueError, UnicodeDecodeError, RecursionError):
                # Syntax errors, odd encodings, absurd nesting: the plain decoder reports them against the whole file.
                doc = None
            if doc is None:
                raw.seek(0)
                return parse_plan_bytes(raw.read(), str(p))
    except InputFileError as exc:
        raise _input_error(exc) from None
    except OSError as exc:
        raise _fail(str(p), f"cannot be read: {exc.strerror}") from None
    return parse_plan_dict(doc, str(p))


def _input_error(exc: InputFileError) -> PlanError:
    if exc.reason == "missing":
        return _fail(exc.path, "file not found", hint="Check the path of the plan JSON file.")
    if exc.reason == "directory":
        return _fail(exc.path, "is a directory, expected a plan JSON file")
    error = _fail(exc.path, exc.problem, hint=exc.hint)
    error.data.update(exc.data)
    return error


def _version_tuple(version: str) -> tuple[int, ...]:
    """ "1.2" → (1, 2); parts that are not numbers count as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
