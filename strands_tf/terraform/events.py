"""Terraform's machine-readable UI (`plan|apply|refresh -json`): one typed event per line, and apply progress.

Every line is decoded once into a :class:`UIEvent`, a typed subclass per message type following Terraform's
``internal/command/views/json`` shapes (:class:`ApplyStart`, :class:`PlannedChange`, :class:`ChangeSummary`,
:class:`DiagnosticEvent`, :class:`OutputsEvent`, ...). A line that is not a JSON object becomes a ``raw`` event
instead of an error, since Terraform and providers can print plain text into the stream. Lines are read without
a length cap (a ``planned_change`` or ``diagnostic`` line can exceed 64 KiB). Values of sensitive outputs are
masked when the event is decoded, so no consumer ever sees them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Any

from strands_tf.inputfile import loads_json
from strands_tf.terraform.plan import SENSITIVE

if TYPE_CHECKING:
    from strands_tf.terraform.plan import Plan

log = logging.getLogger(__name__)

RAW = "raw"

# Planned-change actions of the UI stream → the plan model's normalized names.
_UI_ACTIONS = {"noop": "no-op", "no-op": "no-op", "remove": "forget"}
# Actions that produce no apply hooks: such rows finish when the apply finishes.
_HOOKLESS = {"no-op", "move", "forget", "import"}


def parse_timestamp(value: Any) -> datetime | None:
    """``@timestamp`` (RFC 3339, with Z or an offset, micro- or nanoseconds) → aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Go prints up to nine fractional digits; datetime takes six.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        frac = text[dot + 1 : end][:6]
        text = text[: dot + 1] + frac + text[end:] if frac else text[:dot] + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True, slots=True)
class ResourceAddr:
    """``hook.resource`` / ``change.resource``: the resource instance an event is about."""

    addr: str
    module: str = ""
    resource: str = ""
    resource_type: str = ""
    resource_name: str = ""
    resource_key: Any = None
    implied_provider: str = ""

    @classmethod
    def decode(cls, value: Any) -> ResourceAddr | None:
        """From the JSON object, or None when it names no address."""
        data = _obj(value)
        addr = _str(data.get("addr"))
        if not addr:
            return None
        return cls(
            addr=addr,
            module=_str(data.get("module")) or "",
            resource=_str(data.get("resource")) or "",
            resource_type=_str(data.get("resource_type")) or "",
            resource_name=_str(data.get("resource_name")) or "",
            resource_key=data.get("resource_key"),
            implied_provider=_str(data.get("implied_provider")) or "",
        )


@dataclass(slots=True, kw_only=True)
class UIEvent:
    """One line of the UI stream. ``data`` is the decoded object as Terraform printed it (``{}`` for raw text
    lines; sensitive output values already masked). Message types without a subclass (``version``, ``log``,
    ones newer than this code) are plain UIEvents."""

    type: str
    level: str = "info"
    message: str = ""
    module: str | None = None
    timestamp: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    lineno: int = 0
    resource: ResourceAddr | None = None
    action: str | None = None

    @property
    def time(self) -> datetime | None:
        """Parsed ``@timestamp``."""
        return parse_timestamp(self.timestamp)

    @property
    def resource_addr(self) -> str | None:
        """Address of the resource the event is about, if any."""
        return self.resource.addr if self.resource is not None else None

    def to_json(self) -> dict[str, Any]:
        """The JSON object for logs (sensitive output values masked, raw lines wrapped)."""
        if self.type == RAW:
            return {"@level": self.level, "@message": self.message, "type": RAW}
        return self.data


@dataclass(slots=True, kw_only=True)
class HookEvent(UIEvent):
    """A hook on one resource instance (``apply_*``, ``provision_*``, ``refresh_*``)."""

    id_key: str | None = None
    id_value: str | None = None
    elapsed_seconds: float | None = None


@dataclass(slots=True, kw_only=True)
class ApplyStart(HookEvent):
    """``apply_start``: Terraform began an operation on a resource."""


@dataclass(slots=True, kw_only=True)
class ApplyProgress(HookEvent):
    """``apply_progress``: still working (every 10 s)."""


@dataclass(slots=True, kw_only=True)
class ApplyComplete(HookEvent):
    """``apply_complete``: the operation finished."""


@dataclass(slots=True, kw_only=True)
class ApplyErrored(HookEvent):
    """``apply_errored``: the operation failed (a diagnostic follows)."""


@dataclass(slots=True, kw_only=True)
class ProvisionEvent(HookEvent):
    """``provision_start|progress|complete|errored``: a provisioner of a resource."""

    provisioner: str | None = None
    output: str | None = None


@dataclass(slots=True, kw_only=True)
class RefreshEvent(HookEvent):
    """``refresh_start|complete``: Terraform read a resource's current state."""


@dataclass(slots=True, kw_only=True)
class ChangeEvent(UIEvent):
    """``planned_change`` / ``resource_drift``: one change, ``action`` normalized to the plan model's names."""

    previous_resource: ResourceAddr | None = None
    reason: str | None = None
    importing: dict[str, Any] | None = None


@dataclass(slots=True, kw_only=True)
class PlannedChange(ChangeEvent):
    """``planned_change``: a change the plan (or the apply of a saved plan) will make."""


@dataclass(slots=True, kw_only=True)
class ResourceDrift(ChangeEvent):
    """``resource_drift``: a change made outside Terraform."""


@dataclass(slots=True, kw_only=True)
class ChangeSummary(UIEvent):
    """``change_summary``: counts of a plan, apply or destroy; ends an apply."""

    add: int = 0
    change: int = 0
    import_count: int = 0
    remove: int = 0
    operation: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class OutputsEvent(UIEvent):
    """``outputs``: the root module's outputs (sensitive values masked)."""

    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class DiagnosticEvent(UIEvent):
    """``diagnostic``: an error or warning, with the resource address when Terraform gave one."""

    severity: str = "error"
    summary: str = ""
    detail: str | None = None
    address: str | None = None

    @property
    def resource_addr(self) -> str | None:
        """The diagnostic's resource address."""
        return self.address


_HOOK_TYPES: dict[str, type[HookEvent]] = {
    "apply_start": ApplyStart,
    "apply_progress": ApplyProgress,
    "apply_complete": ApplyComplete,
    "apply_errored": ApplyErrored,
    "provision_start": ProvisionEvent,
    "provision_progress": ProvisionEvent,
    "provision_complete": ProvisionEvent,
    "provision_errored": ProvisionEvent,
    "refresh_start": RefreshEvent,
    "refresh_complete": RefreshEvent,
}
_CHANGE_TYPES: dict[str, type[ChangeEvent]] = {"planned_change": PlannedChange, "resource_drift": ResourceDrift}


def mask_outputs(data: dict[str, Any]) -> dict[str, Any]:
    """Mask values of sensitive outputs (Terraform < 1.4 printed them in the ``outputs`` message)."""
    outputs = data.get("outputs")
    if data.get("type") != "outputs" or not isinstance(outputs, dict):
        return data
    masked = {}
    for name, out in outputs.items():
        if isinstance(out, dict) and out.get("sensitive") and "value" in out:
            out = {**out, "value": SENSITIVE}
        masked[name] = out
    return {**data, "outputs": masked}


def decode_event(data: Mapping[str, Any], lineno: int = 0) -> UIEvent:
    """A decoded JSON object of the UI stream → its typed event (never raises)."""
    doc = mask_outputs(dict(data))
    etype = _str(doc.get("type")) or "unknown"
    common: dict[str, Any] = {
        "type": etype,
        "level": _str(doc.get("@level")) or "info",
        "message": _str(doc.get("@message")) or "",
        "module": _str(doc.get("@module")),
        "timestamp": _str(doc.get("@timestamp")),
        "data": doc,
        "lineno": lineno,
    }
    hook_type = _HOOK_TYPES.get(etype)
    if hook_type is not None:
        hook = _obj(doc.get("hook"))
        elapsed = hook.get("elapsed_seconds")
        extra: dict[str, Any] = {}
        if hook_type is ProvisionEvent:
            extra = {"provisioner": _str(hook.get("provisioner")), "output": _str(hook.get("output"))}
        return hook_type(
            **common,
            **extra,
            resource=ResourceAddr.decode(hook.get("resource")),
            action=_str(hook.get("action")),
            id_key=_str(hook.get("id_key")),
            id_value=_str(hook.get("id_value")),
            elapsed_seconds=float(elapsed) if isinstance(elapsed, int | float) else None,
        )
    change_type = _CHANGE_TYPES.get(etype)
    if change_type is not None:
        change = _obj(doc.get("change"))
        action = _str(change.get("action"))
        importing = change.get("importing")
        return change_type(
            **common,
            resource=ResourceAddr.decode(change.get("resource")),
            previous_resource=ResourceAddr.decode(change.get("previous_resource")),
            action=_UI_ACTIONS.get(action, action) if action else None,
            reason=_str(change.get("reason")),
            importing=importing if isinstance(importing, dict) else None,
        )
    if etype == "change_summary":
        changes = _obj(doc.get("changes"))
        return ChangeSummary(
            **common,
            add=_int(changes.get("add")),
            change=_int(changes.get("change")),
            import_count=_int(changes.get("import")),
            remove=_int(changes.get("remove")),
            operation=_str(changes.get("operation")),
            changes=changes,
        )
    if etype == "outputs":
        return OutputsEvent(**common, outputs=_obj(doc.get("outputs")))
    if etype == "diagnostic":
        diag = _obj(doc.get("diagnostic"))
        return DiagnosticEvent(
            **common,
            severity=_str(diag.get("severity")) or common["level"],
            summary=_str(diag.get("summary")) or common["message"],
            detail=_str(diag.get("detail")),
            address=_str(diag.get("address")),
        )
    return UIEvent(**common)


def raw_event(text: str, lineno: int = 0) -> UIEvent:
    """A line of plain text in the stream."""
    return UIEvent(type=RAW, message=text, lineno=lineno)


def parse_event_line(line: bytes | str, lineno: int = 0) -> UIEvent:
    """Decode one line; anything that is not a JSON object becomes a ``raw`` event (never raises)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes | bytearray) else line
    text = text.rstrip("\r\n")
    stripped = text.strip()
    data: Any = None
    if stripped.startswith("{"):
        try:
            data = loads_json(stripped)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        return raw_event(text, lineno)
    return decode_event(data, lineno)


def iter_lines(stream: IO[bytes] | IO[str]) -> Iterator[bytes | str]:
    """Lines of a binary or text stream, of any length (``readline`` without a size limit)."""
    readline = stream.readline
    while True:
        line = readline()
        if not line:
            return
        yield line


def iter_events(source: IO[bytes] | IO[str] | Iterable[bytes | str]) -> Iterator[UIEvent]:
    """Events from a stream (file, pipe) or any iterable of lines; blank lines are skipped."""
    lines = iter_lines(source) if hasattr(source, "readline") else iter(source)  # type: ignore[arg-type]
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        yield parse_event_line(line, n)


class LineSplitter:
    """Turns arbitrary chunks (from ``os.read`` on a pipe) into complete lines, without a length cap."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._lineno = 0

    def feed(self, chunk: bytes) -> list[UIEvent]:
        """Add bytes; return the events of every line completed by them."""
        self._buf += chunk
        events: list[UIEvent] = []
        start = 0
        while True:
            nl = self._buf.find(b"\n", start)
            if nl == -1:
                break
            line = bytes(self._buf[start:nl])
            start = nl + 1
            self._lineno += 1
            if line.strip():
                events.append(parse_event_line(line, self._lineno))
        if start:
            del self._buf[:start]
        return events

    def close(self) -> list[UIEvent]:
        """Flush a last line that had no newline."""
        if not self._buf.strip():
            self._buf.clear()
            return []
        self._lineno += 1
        event = parse_event_line(bytes(self._buf), self._lineno)
        self._buf.clear()
        return [event]


# ---------------------------------------------------------------------------------------------------
# A plan known only from its events


def _address_parts(addr: ResourceAddr) -> tuple[str, str, str]:
    """(mode, type, name) of a planned_change resource (``resource`` is ``data.<type>.<name>`` for data sources)."""
    local = addr.resource or addr.addr.removeprefix(f"{addr.module}.")
    return ("data" if local.startswith("data.") else "managed"), addr.resource_type, addr.resource_name


def plan_from_changes(
    changes: Iterable[PlannedChange], *, terraform_version: str | None = None, complete: bool | None = None
) -> Plan:
    """The plan of an ``apply`` run without a saved plan, from its ``planned_change`` events.

    Addresses, actions and reasons are Terraform's own; attribute values are not in the events, so every
    change has ``values_known`` False (a summary lists no changed attribute names) and outputs are unknown.
    """
    from strands_tf.terraform.plan import Plan, ResourceChange

    resource_changes: list[ResourceChange] = []
    for event in changes:
        if event.resource is None or not event.action:
            continue
        mode, type_, name = _address_parts(event.resource)
        action = event.action
        previous = event.previous_resource.addr if event.previous_resource is not None else None
        importing = event.importing if event.importing is not None else ({} if action == "import" else None)
        if action in ("move", "import"):
            action = "no-op"  # the plan model counts a move or an import next to its action
        resource_changes.append(
            ResourceChange(
                address=event.resource.addr,
                mode=mode,
                type=type_,
                name=name,
                index=event.resource.resource_key,
                module_address=event.resource.module or None,
                provider_name=event.resource.implied_provider or None,
                actions=(action,),
                action=action,
                replace_order=None,
                action_reason=event.reason,
                replace_paths=[],
                before=None,
                after=None,
                after_unknown=False,
                before_sensitive=False,
                after_sensitive=False,
                importing=importing,
                previous_address=previous if previous != event.resource.addr else None,
                deposed=None,
                values_known=False,
            )
        )
    return Plan(
        format_version="1.2",
        terraform_version=terraform_version,
        resource_changes=resource_changes,
        resource_drift=[],
        output_changes={},
        variables={},
        errored=False,
        complete=complete,
        applyable=bool(resource_changes),
        timestamp=None,
        source="planned_change events",
    )


# ---------------------------------------------------------------------------------------------------
# Progress


class Status(StrEnum):
    """Where one resource is in the apply."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class ResourceProgress:
    """One row of the live view."""

    address: str
    action: str
    planned: bool
    status: Status = Status.PENDING
    phase: str | None = None  # the hook action now running (a replace runs "delete" then "create")
    started: datetime | None = None
    ended: datetime | None = None
    hook_elapsed: float | None = None
    id_value: str | None = None
    error: str | None = None
    last_output: str | None = None
    hooks_done: set[str] = field(default_factory=set)

    def elapsed(self, now: datetime | None = None) -> float | None:
        """Seconds spent so far (running) or in total (finished)."""
        if self.started is not None:
            end = self.ended or now
            if end is not None:
                return max(0.0, (end - self.started).total_seconds())
        return self.hook_elapsed

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """JSON form for the canvas and the deployment record."""
        return {
            "address": self.address,
            "action": self.action,
            "planned": self.planned,
            "status": str(self.status),
            "phase": self.phase,
            "started": self.started.isoformat() if self.started else None,
            "ended": self.ended.isoformat() if self.ended else None,
            "elapsed": self.elapsed(now),
            "id": self.id_value,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class ProgressSnapshot:
    """A consistent copy of the tracker's state at one moment."""

    total: int
    done: int
    failed: int
    running: int
    pending: int
    finished: bool
    rows: tuple[dict[str, Any], ...]
    change_summary: dict[str, Any] | None
    outputs: dict[str, Any]
    diagnostics: tuple[dict[str, Any], ...]
    started: str | None
    elapsed: float | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "running": self.running,
            "pending": self.pending,
            "finished": self.finished,
            "rows": list(self.rows),
            "change_summary": self.change_summary,
            "outputs": self.outputs,
            "diagnostics": list(self.diagnostics),
            "started": self.started,
            "elapsed": self.elapsed,
        }


def _now() -> datetime:
    return datetime.now(UTC)


class ProgressTracker:
    """Consumes UI events of one ``apply -json`` and keeps a row per resource.

    The total is the number of distinct ``planned_change`` addresses; resources that show up only in
    hooks (no planned_change was printed, e.g. older Terraform) get rows with ``planned=False`` and count
    towards the total only when no planned_change was seen at all. A replace is done when both of its
    hooks (delete and create, in either order) completed.
    """

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self._rows: dict[str, ResourceProgress] = {}
        self._planned = 0
        self._finished = False
        self._change_summary: dict[str, Any] | None = None
        self._outputs: dict[str, Any] = {}
        self._diagnostics: list[dict[str, Any]] = []
        self._first: datetime | None = None
        self._last: datetime | None = None
        # A reader thread feeds while a renderer takes snapshots: every public method holds the lock.
        self._lock = threading.RLock()

    # -- feeding

    def feed_all(self, events: Iterable[UIEvent]) -> ProgressTracker:
        """Feed many events; returns self."""
        for e in events:
            self.feed(e)
        return self

    def feed(self, event: UIEvent) -> ResourceProgress | None:
        """Apply one event; returns the row it changed, if any."""
        with self._lock:
            return self._feed(event)

    def _feed(self, event: UIEvent) -> ResourceProgress | None:
        when = event.time or self._clock()
        if event.type != RAW:
            self._first = self._first or when
            self._last = when
        handler = _HANDLERS.get(event.type)
        if handler is None:
            return None
        return handler(self, event, when)

    def _row(self, addr: str, action: str | None, planned: bool) -> ResourceProgress:
        row = self._rows.get(addr)
        if row is None:
            row = self._rows[addr] = ResourceProgress(addr, action or "unknown", planned)
            if planned:
                self._planned += 1
        elif planned and not row.planned:
            row.planned = True
            row.action = action or row.action
            self._planned += 1
        return row

    def _on_planned(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr:
            return None
        return self._row(addr, event.action or "unknown", True)

    def _on_start(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr or not isinstance(event, HookEvent):
            return None
        row = self._row(addr, event.action, False)
        if row.status is Status.FAILED:
            return row
        if not row.planned and row.hooks_done | {event.action} == {"create", "delete"}:
            # No planned_change told us; delete and create hooks on one address are a replace.
            row.action = "replace"
        row.status = Status.RUNNING
        row.phase = event.action
        row.ended = None  # a second hook (the other half of a replace) runs again
        if row.started is None:
            row.started = when
        if event.id_value is not None:
            row.id_value = event.id_value
        return row

    def _on_progress(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr or not isinstance(event, HookEvent):
            return None
        row = self._row(addr, event.action, False)
        if row.status is Status.PENDING:
            row.status = Status.RUNNING
            row.started = row.started or when
        row.hook_elapsed = event.elapsed_seconds
        return row

    def _on_complete(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr or not isinstance(event, HookEvent):
            return None
        row = self._row(addr, event.action, False)
        if event.action:
            row.hooks_done.add(event.action)
        if event.id_value is not None:
            row.id_value = event.id_value
        if row.started is None:
            row.started = when
        if row.status is Status.FAILED:
            return row
        if row.action == "replace" and not {"create", "delete"} <= row.hooks_done:
            # First half of a replace finished; the other hook follows.
            row.phase = None
            return row
        row.status = Status.DONE
        row.phase = None
        row.ended = when
        if event.elapsed_seconds is not None:
            row.hook_elapsed = event.elapsed_seconds
        return row

    def _on_errored(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr or not isinstance(event, HookEvent):
            return None
        row = self._row(addr, event.action, False)
        row.status = Status.FAILED
        row.ended = when
        row.started = row.started or when
        if event.elapsed_seconds is not None:
            row.hook_elapsed = event.elapsed_seconds
        row.error = row.error or event.message
        return row

    def _on_provision(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        if not isinstance(event, ProvisionEvent):
            return None
        row = self._rows.get(event.resource_addr or "")
        if row is None:
            return None
        if event.output is not None:
            row.last_output = event.output
        if event.type == "provision_errored":
            row.error = event.message
        return row

    def _on_diagnostic(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        if not isinstance(event, DiagnosticEvent):
            return None
        self._diagnostics.append(
            {"severity": event.severity, "summary": event.summary, "detail": event.detail, "address": event.address}
        )
        if event.severity != "error" or event.address is None:
            return None
        row = self._rows.get(event.address)
        if row is None:
            return None
        row.error = f"{event.summary}: {event.detail}" if event.detail else event.summary
        if row.status is not Status.DONE:
            row.status = Status.FAILED
            row.ended = row.ended or when
        return row

    def _on_change_summary(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        if isinstance(event, ChangeSummary) and event.changes:
            self._change_summary = event.changes
            if event.operation in ("apply", "destroy"):
                self._finish(when)
        return None

    def _on_outputs(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        if isinstance(event, OutputsEvent):
            self._outputs = event.outputs
        return None

    def _finish(self, when: datetime) -> None:
        self._finished = True
        for row in self._rows.values():
            if row.status is Status.RUNNING or (row.status is Status.PENDING and row.action in _HOOKLESS):
                row.status = Status.DONE
                row.ended = row.ended or when
                row.started = row.started or when

    # -- reading

    @property
    def total(self) -> int:
        """Planned changes (or all rows when the stream had no planned_change)."""
        return self._planned or len(self._rows)

    def rows(self) -> list[ResourceProgress]:
        """Rows in first-seen order."""
        with self._lock:
            return list(self._rows.values())

    def _counted(self) -> list[ResourceProgress]:
        with self._lock:
            rows = self._rows.values()
            return [r for r in rows if r.planned] if self._planned else list(rows)

    @property
    def done(self) -> int:
        """Rows finished successfully."""
        return sum(1 for r in self._counted() if r.status is Status.DONE)

    @property
    def failed(self) -> int:
        """Rows that failed."""
        return sum(1 for r in self._counted() if r.status is Status.FAILED)

    def snapshot(self, now: datetime | None = None) -> ProgressSnapshot:
        """A consistent, JSON-ready copy; ``now`` (default: the clock) dates running rows."""
        with self._lock:
            return self._snapshot(now or self._clock())

    def _snapshot(self, now: datetime) -> ProgressSnapshot:
        counted = self._counted()
        by_status = {s: 0 for s in Status}
        for r in counted:
            by_status[r.status] += 1
        elapsed = None
        if self._first is not None:
            end = self._last if self._finished else max(now, self._last or now)
            elapsed = max(0.0, (end - self._first).total_seconds())
        return ProgressSnapshot(
            total=self.total,
            done=by_status[Status.DONE],
            failed=by_status[Status.FAILED],
            running=by_status[Status.RUNNING],
            pending=by_status[Status.PENDING],
            finished=self._finished,
            rows=tuple(r.to_json(now) for r in self._rows.values()),
            change_summary=dict(self._change_summary) if self._change_summary else None,
            outputs=dict(self._outputs),
            diagnostics=tuple(dict(d) for d in self._diagnostics),
            started=self._first.isoformat() if self._first else None,
            elapsed=elapsed,
        )

    def timings(self) -> dict[str, tuple[datetime, datetime]]:
        """Start and end of every finished or failed resource (input for waves.build_timeline)."""
        with self._lock:
            return self._timings()

    def _timings(self) -> dict[str, tuple[datetime, datetime]]:
        return {
            r.address: (r.started, r.ended)
            for r in self._rows.values()
            if r.started is not None and r.ended is not None
        }


_HANDLERS: dict[str, Callable[[ProgressTracker, UIEvent, datetime], ResourceProgress | None]] = {
    "planned_change": ProgressTracker._on_planned,
    "apply_start": ProgressTracker._on_start,
    "apply_progress": ProgressTracker._on_progress,
    "apply_complete": ProgressTracker._on_complete,
    "apply_errored": ProgressTracker._on_errored,
    "provision_progress": ProgressTracker._on_provision,
    "provision_errored": ProgressTracker._on_provision,
    "diagnostic": ProgressTracker._on_diagnostic,
    "change_summary": ProgressTracker._on_change_summary,
    "outputs": ProgressTracker._on_outputs,
}
