"""Live progress of plans and applies: a row per resource (status, action, elapsed) and totals per stack."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from strands_tf.deploy.events import DeploymentEvent, StackDone, StackEvent, StackPhase
from strands_tf.terraform.events import ProgressTracker

STATUS_STYLE = {"pending": "dim", "running": "yellow", "done": "green", "failed": "red", "cancelled": "magenta"}
MAX_ROWS = 30


class LiveReporter:
    """Subscriber of a deployment's event stream: a live table on a terminal, plain lines otherwise.

    It reads the stream's own progress trackers (handed over with each stack's apply phase), so nothing is
    decoded or tracked twice.
    """

    def __init__(self, console: Console, *, json_lines: bool = False) -> None:
        self.console = console
        self.json_lines = json_lines
        self.trackers: dict[str, ProgressTracker] = {}
        self.phases: dict[str, str] = {}
        self.results: dict[str, tuple[str, str | None]] = {}
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._interactive = console.is_terminal and not json_lines

    def __call__(self, event: DeploymentEvent) -> None:
        if isinstance(event, StackPhase):
            self._phase(event)
        elif isinstance(event, StackEvent):
            self._event(event)
        elif isinstance(event, StackDone):
            self._done(event)
        self._refresh()

    def _phase(self, event: StackPhase) -> None:
        with self._lock:
            self.phases[event.stack] = event.phase
            self.results.pop(event.stack, None)
            if event.progress is not None:
                self.trackers[event.stack] = event.progress
        self._emit({"stack": event.stack, "phase": event.phase, "attempt": event.attempt})
        if not self._interactive and not self.json_lines:
            self.console.print(f"[dim]{escape(event.stack)}[/]: {event.phase}")

    def _event(self, event: StackEvent) -> None:
        if self.json_lines:
            self._emit(event.to_json())
            return
        finished = event.event.type in ("apply_complete", "apply_errored")
        if not self._interactive and event.row is not None and finished:
            self.console.print(f"  {escape(event.stack)}: {escape(event.row.address)} {event.row.status}")

    def _done(self, event: StackDone) -> None:
        with self._lock:
            self.results[event.stack] = (event.status, event.error)
        self._emit({"stack": event.stack, "status": event.status, "error": event.error, "attempt": event.attempt})
        if not self._interactive and not self.json_lines:
            style = "green" if event.status in ("applied", "destroyed", "no_changes") else "red"
            tail = f": {escape(event.error)}" if event.error else ""
            self.console.print(f"[{style}]{escape(event.stack)} {event.status}[/]{tail}")

    # -- live view

    def __enter__(self) -> LiveReporter:
        if self._interactive:
            self._live = Live(self._render(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)
            self._live = None

    def pause(self) -> None:
        """Stop drawing (before a confirmation prompt)."""
        self.__exit__()

    def resume(self) -> None:
        """Start drawing again after a prompt."""
        self.__enter__()

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def _emit(self, record: dict[str, Any]) -> None:
        if self.json_lines:
            sys.stdout.write(json.dumps(record, default=str) + "\n")
            sys.stdout.flush()

    def _render(self) -> Group:
        with self._lock:
            parts: list[Any] = []
            for stack, phase in self.phases.items():
                tracker = self.trackers.get(stack)
                status, error = self.results.get(stack, (phase, None))
                if tracker is not None:
                    snap = tracker.snapshot()
                    head = f"[bold]{escape(stack)}[/] {status}: {snap.done}/{snap.total} done"
                    if snap.failed:
                        head += f", [red]{snap.failed} failed[/]"
                else:
                    head = f"[bold]{escape(stack)}[/] {status}"
                if error:
                    head += f" [red]{escape(error)}[/]"
                parts.append(head)
                if tracker is None:
                    continue
                table = Table(box=None, show_header=False, pad_edge=False)
                table.add_column(width=2)
                table.add_column()
                table.add_column(style="dim")
                table.add_column(justify="right")
                rows = tracker.rows()
                active = [r for r in rows if r.status != "pending"][-MAX_ROWS:]
                for row in active:
                    style = STATUS_STYLE.get(str(row.status), "white")
                    elapsed = row.elapsed()
                    table.add_row(
                        f"[{style}]●[/]",
                        escape(row.address),
                        escape(str(row.action or "")),
                        f"{elapsed:.0f}s" if elapsed is not None else "",
                    )
                parts.append(table)
            if not parts:
                parts.append("[dim]starting…[/]")
            return Group(*parts)


def elapsed_since(start: float) -> str:
    """`12.3s` since a monotonic start time."""
    return f"{time.monotonic() - start:.1f}s"
