"""Names the real provider generates when a configuration gives none (``terraform-<timestamp><counter>``)."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

_counter = itertools.count(1)
_lock = threading.Lock()


def prefixed_unique_id(prefix: str = "terraform-") -> str:
    """Like the provider SDK's PrefixedUniqueId: prefix + UTC timestamp + 8-digit counter."""
    with _lock:
        n = next(_counter)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{prefix}{stamp}{n:08d}"


def resolve_name(name: str | None, prefix: str | None, default_prefix: str = "terraform-") -> str:
    """``name`` if set, else a unique name from ``name_prefix`` (or the default prefix)."""
    if name:
        return name
    return prefixed_unique_id(prefix or default_prefix)
