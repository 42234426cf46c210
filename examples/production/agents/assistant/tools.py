"""Tools the agent may call."""

from __future__ import annotations

from datetime import UTC, datetime

from strands import tool


@tool
def current_time() -> str:
    """Current date and time in UTC, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")
