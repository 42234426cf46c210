"""The one event stream of a deployment: Terraform's UI events, decoded once, plus the stacks' lifecycle.

The runner decodes every line of Terraform's machine-readable UI into a typed event
(:mod:`strands_tf.terraform.events`); the executor publishes it here as a :class:`StackEvent`, with
:class:`StackPhase` and :class:`StackDone` around it. Every consumer subscribes to this one stream: the
per-stack apply progress (:class:`ProgressTracker`, owned by the stream and fed first), the deployment's
``events.jsonl`` (:class:`EventLog`), the terminal view (``cli/progress.py``) and, later, the canvas
WebSocket. ``events.jsonl`` is the stream's persisted form: :func:`read_event_log` gives back the same
typed events, which is how the history record (and a page opened mid-deployment) replays it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from strands_tf.fsutil import open_private, private_mkdir
from strands_tf.terraform.events import (
    ProgressTracker,
    ResourceProgress,
    UIEvent,
    decode_event,
    raw_event,
)
from strands_tf.terraform.provider_log import AwsCall

log = logging.getLogger(__name__)

TerraformPhase = Literal["plan", "apply"]


@dataclass(frozen=True, slots=True)
class StackPhase:
    """A stack entered a phase (``init``, ``plan``, ``apply``); for ``apply``, ``progress`` is its tracker."""

    stack: str
    phase: str
    attempt: int = 1
    progress: ProgressTracker | None = None


@dataclass(frozen=True, slots=True)
class StackEvent:
    """One Terraform UI event of a stack; ``row`` is the progress row it changed (apply phase)."""

    stack: str
    phase: TerraformPhase
    event: UIEvent
    attempt: int = 1
    row: ResourceProgress | None = None

    def to_json(self) -> dict[str, Any]:
        """One line of events.jsonl: ``{"stack", "phase", "attempt", "event"}``."""
        return {"stack": self.stack, "phase": self.phase, "attempt": self.attempt, "event": self.event.to_json()}


@dataclass(frozen=True, slots=True)
class StackDone:
    """A stack's outcome in this attempt: applied, destroyed, no_changes, failed, cancelled or skipped."""

    stack: str
    status: str
    error: str | None = None
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class AwsCallEvent:
    """An AWS API call the provider made while applying a stack (from its debug log; see provider_log)."""

    stack: str
    call: AwsCall
    attempt: int = 1


DeploymentEvent = StackPhase | StackEvent | StackDone | AwsCallEvent
Subscriber = Callable[[DeploymentEvent], None]


class EventStream:
    """Fans deployment events out to subscribers in the order they were published (thread-safe).

    The stream owns the apply progress of every stack: a :class:`ProgressTracker` made when the stack enters
    its apply phase and fed each apply event before any subscriber sees it, so every consumer reads the same
    rows. A subscriber that raises is logged and skipped; it never stops a deployment.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._trackers: dict[str, ProgressTracker] = {}
        self._lock = threading.RLock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: DeploymentEvent) -> DeploymentEvent:
        """Track, then deliver `event` to every subscriber; returns it as delivered."""
        with self._lock:
            if isinstance(event, StackPhase) and event.phase == "apply":
                tracker = self._trackers[event.stack] = ProgressTracker()
                event = dataclasses.replace(event, progress=tracker)
            elif isinstance(event, StackEvent) and event.phase == "apply":
                tracker = self._trackers.get(event.stack)
                if tracker is not None:
                    event = dataclasses.replace(event, row=tracker.feed(event.event))
            for subscriber in list(self._subscribers):
                try:
                    subscriber(event)
                except Exception:  # a consumer's failure must not stop Terraform mid-apply
                    log.warning("an event consumer failed (%r)", subscriber, exc_info=True)
            return event

    def progress(self, stack: str) -> ProgressTracker | None:
        """The apply progress of `stack` in the latest attempt that applied it."""
        with self._lock:
            return self._trackers.get(stack)

    def trackers(self) -> dict[str, ProgressTracker]:
        """Apply progress of every stack that reached its apply phase."""
        with self._lock:
            return dict(self._trackers)


class EventLog:
    """``events.jsonl`` of a deployment: every Terraform event of every attempt, one JSON object per line.

    Appends (a resumed deployment continues the same file). A write that fails (a full disk) is reported
    once and the deployment goes on: the log is a record, not a reason to stop Terraform.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.failed: str | None = None
        try:
            private_mkdir(path.parent)
            self._file: Any = open_private(path, "a")  # every event of a deployment: private like all of .strands
        except OSError as exc:
            self._file = None
            self._fail(exc)

    def __call__(self, event: DeploymentEvent) -> None:
        if isinstance(event, StackEvent):
            self.write(event)

    def write(self, event: StackEvent) -> None:
        """Append one event."""
        self._append(event.to_json())

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with self._lock:
            if self._file is None:
                return
            try:
                self._file.write(line + "\n")
                self._file.flush()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        self.failed = f"{self.path} could not be written ({reason}): the event log of this deployment is incomplete"
        log.warning("%s", self.failed)
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()
                except OSError as exc:
                    log.warning("closing %s failed: %s", self.path, exc)
                self._file = None


class AwsCallLog(EventLog):
    """``aws-calls.jsonl`` of a deployment: the AWS calls of its applies (bodies are never in an AwsCall)."""

    def __call__(self, event: DeploymentEvent) -> None:
        if isinstance(event, AwsCallEvent):
            self._append({"stack": event.stack, "attempt": event.attempt, **event.call.to_json()})


def decode_log_line(line: str, lineno: int = 0) -> StackEvent | None:
    """One line of events.jsonl → its StackEvent (typed event inside), or None for a line that is not one."""
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict):
        return None
    stack, phase, data = entry.get("stack"), entry.get("phase"), entry.get("event")
    if not isinstance(stack, str) or phase not in ("plan", "apply") or not isinstance(data, dict):
        return None
    attempt = entry.get("attempt")
    event = (
        raw_event(str(data.get("@message") or ""), lineno) if data.get("type") == "raw" else decode_event(data, lineno)
    )
    return StackEvent(stack, phase, event, attempt if isinstance(attempt, int) and attempt > 0 else 1)


def read_event_log(path: Path) -> Iterator[StackEvent]:
    """The events of an events.jsonl, in order (lines that are not events are skipped)."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                event = decode_log_line(line, n)
                if event is not None:
                    yield event


def replay(events: Iterator[StackEvent] | list[StackEvent]) -> dict[tuple[int, str], ProgressTracker]:
    """Apply progress per (attempt, stack), rebuilt from logged events the way the live stream built it."""
    trackers: dict[tuple[int, str], ProgressTracker] = {}
    for event in events:
        if event.phase == "apply":
            trackers.setdefault((event.attempt, event.stack), ProgressTracker()).feed(event.event)
    return trackers
