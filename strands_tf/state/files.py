"""Atomic writes of state files: private to the user (0600), never half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strands_tf import fsutil


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` so readers see either the old or the new file, never a part."""
    fsutil.atomic_write_bytes(path, data, mode=mode)


def atomic_write_json(path: Path, doc: Any, mode: int = 0o600) -> None:
    """Atomically write ``doc`` as indented, key-sorted JSON with a trailing newline."""
    fsutil.atomic_write_json(path, doc, mode=mode)
