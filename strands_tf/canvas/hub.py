"""The project's WebSocket channel: typed events fanned out to every open page.

Every event is a JSON object with `type` (e.g. `document`, `plan.progress`), `seq` (increasing per
server) and `time`. Later live-deployment events (`deploy.*`, issue 13) travel on the same channel, and a
page that connects mid-way asks for the state it missed through the JSON API.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

QUEUE_SIZE = 512


@dataclass(eq=False)  # identity: each open socket is its own subscriber
class Subscriber:
    """One open WebSocket: its queue of events to send."""

    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False


class Hub:
    """Fan-out of events to subscribers; publish from the event loop or, threadsafe, from worker threads."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._seq = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the server runs on (publish_threadsafe hands events to it)."""
        self._loop = loop

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, event_type: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send an event to every subscriber (call on the event loop); a page too slow to keep up is dropped."""
        self._seq += 1
        event = {"type": event_type, "seq": self._seq, "time": time.time(), **(payload or {})}
        for subscriber in list(self._subscribers):
            try:
                subscriber.queue.put_nowait(event)
            except asyncio.QueueFull:
                # the page reconnects and reloads the snapshot; better than unbounded memory
                logger.warning("dropping a canvas connection that does not read its events")
                subscriber.dropped = True
                self._subscribers.discard(subscriber)
                subscriber.queue = asyncio.Queue(1)
                subscriber.queue.put_nowait(None)
        return event

    def publish_threadsafe(self, event_type: str, payload: dict[str, Any] | None = None) -> None:
        """publish() from another thread (the plan worker)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.publish, event_type, payload)

    def call_soon(self, callback: Any) -> None:
        """Run `callback` on the server's loop (from any thread); dropped when no loop serves pages."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(callback)

    def close(self) -> None:
        """Tell every subscriber to end (server shutdown)."""
        for subscriber in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                subscriber.queue.put_nowait(None)
        self._subscribers.clear()
