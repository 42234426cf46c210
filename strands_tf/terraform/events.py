"""Terraform's machine-readable UI (`plan|apply|refresh -json`): tolerant parsing and apply progress.

Every line becomes a :class:`UIEvent`; a line that is not a JSON object becomes a ``raw`` event instead of
an error, since Terraform and providers can print plain text into the stream. Lines are read without a
length cap (a ``planned_change`` or ``diagnostic`` line can exceed 64 KiB).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from strands_tf.terraform.plan import SENSITIVE

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


@dataclass(slots=True)
class UIEvent:
    """One line of the UI stream. ``data`` is the decoded object (``{}`` for raw text lines)."""

    type: str
    level: str
    message: str
    module: str | None
    timestamp: str | None
    data: dict[str, Any]
    lineno: int = 0

    @property
    def time(self) -> datetime | None:
        """Parsed ``@timestamp``."""
        return parse_timestamp(self.timestamp)

    @property
    def hook(self) -> dict[str, Any]:
        """The ``hook`` object of apply/refresh/provision events (``{}`` if absent)."""
        h = self.data.get("hook")
        return h if isinstance(h, dict) else {}

    @property
    def change(self) -> dict[str, Any]:
        """The ``change`` object of planned_change / resource_drift events."""
        c = self.data.get("change")
        return c if isinstance(c, dict) else {}

    @property
    def diagnostic(self) -> dict[str, Any]:
        """The ``diagnostic`` object of diagnostic events."""
        d = self.data.get("diagnostic")
        return d if isinstance(d, dict) else {}

    @property
    def resource_addr(self) -> str | None:
        """Address of the resource the event is about, if any."""
        for holder in (self.hook, self.change):
            res = holder.get("resource")
            if isinstance(res, dict) and isinstance(res.get("addr"), str):
                return res["addr"]
        addr = self.diagnostic.get("address")
        return addr if isinstance(addr, str) else None

    @property
    def action(self) -> str | None:
        """``hook.action`` or ``change.action``."""
        act = self.hook.get("action") or self.change.get("action")
        return act if isinstance(act, str) else None

    @property
    def elapsed_seconds(self) -> float | None:
        """``hook.elapsed_seconds`` of apply_progress/complete/errored."""
        v = self.hook.get("elapsed_seconds")
        return float(v) if isinstance(v, int | float) else None

    def to_json(self) -> dict[str, Any]:
        """A redacted JSON object for logs: sensitive output values masked, raw lines wrapped."""
        if self.type == RAW:
            return {"@level": self.level, "@message": self.message, "type": RAW}
        return redact_event_data(self.data)


def redact_event_data(data: dict[str, Any]) -> dict[str, Any]:
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


def parse_event_line(line: bytes | str, lineno: int = 0) -> UIEvent:
    """Parse one line; anything that is not a JSON object becomes a ``raw`` event (never raises)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes | bytearray) else line
    text = text.rstrip("\r\n")
    stripped = text.strip()
    data: Any = None
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        return UIEvent(RAW, "info", text, None, None, {}, lineno)
    etype = data.get("type")
    level = data.get("@level")
    message = data.get("@message")
    module = data.get("@module")
    ts = data.get("@timestamp")
    return UIEvent(
        type=etype if isinstance(etype, str) else "unknown",
        level=level if isinstance(level, str) else "info",
        message=message if isinstance(message, str) else "",
        module=module if isinstance(module, str) else None,
        timestamp=ts if isinstance(ts, str) else None,
        data=data,
        lineno=lineno,
    )


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
        action = _UI_ACTIONS.get(event.action or "", event.action or "unknown")
        return self._row(addr, action, True)

    def _on_start(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr:
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
        hid = event.hook.get("id_value")
        if isinstance(hid, str):
            row.id_value = hid
        return row

    def _on_progress(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr:
            return None
        row = self._row(addr, event.action, False)
        if row.status is Status.PENDING:
            row.status = Status.RUNNING
            row.started = row.started or when
        row.hook_elapsed = event.elapsed_seconds
        return row

    def _on_complete(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        addr = event.resource_addr
        if not addr:
            return None
        row = self._row(addr, event.action, False)
        if event.action:
            row.hooks_done.add(event.action)
        hid = event.hook.get("id_value")
        if isinstance(hid, str):
            row.id_value = hid
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
        if not addr:
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
        addr = event.resource_addr
        row = self._rows.get(addr or "")
        if row is None:
            return None
        out = event.hook.get("output")
        if isinstance(out, str):
            row.last_output = out
        if event.type == "provision_errored":
            row.error = event.message
        return row

    def _on_diagnostic(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        diag = event.diagnostic
        self._diagnostics.append(
            {
                "severity": diag.get("severity", event.level),
                "summary": diag.get("summary", event.message),
                "detail": diag.get("detail"),
                "address": diag.get("address"),
            }
        )
        addr = diag.get("address")
        if diag.get("severity") != "error" or not isinstance(addr, str):
            return None
        row = self._rows.get(addr)
        if row is None:
            return None
        summary = diag.get("summary") or event.message
        row.error = f"{summary}: {diag['detail']}" if diag.get("detail") else summary
        if row.status is not Status.DONE:
            row.status = Status.FAILED
            row.ended = row.ended or when
        return row

    def _on_change_summary(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        changes = event.data.get("changes")
        if isinstance(changes, dict):
            self._change_summary = changes
            if changes.get("operation") in ("apply", "destroy"):
                self._finish(when)
        return None

    def _on_outputs(self, event: UIEvent, when: datetime) -> ResourceProgress | None:
        outputs = redact_event_data(event.data).get("outputs")
        if isinstance(outputs, dict):
            self._outputs = outputs
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
