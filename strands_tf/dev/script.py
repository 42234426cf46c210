"""The reply script of `strands dev --model scripted` (read without importing Strands, so the CLI can check it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_script(path: str | Path) -> list[Any]:
    """The turns of a script file; ValueError naming the problem when it is not a JSON array of turns."""
    try:
        turns = json.loads(Path(path).read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not isinstance(turns, list) or not turns:
        raise ValueError(f"{path}: a script is a non-empty JSON array of replies")
    for index, turn in enumerate(turns):
        if isinstance(turn, str):
            continue
        if not (isinstance(turn, dict) and isinstance(turn.get("tool"), str) and set(turn) <= {"tool", "input"}):
            raise ValueError(f'{path}: entry {index} must be a string or {{"tool": NAME, "input": {{...}}}}')
    return turns
