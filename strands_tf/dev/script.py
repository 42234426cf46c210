"""The reply script of `strands dev --model scripted` (read without importing Strands, so the CLI can check it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strands_tf.inputfile import MAX_CONFIG_BYTES, InputFileError, JSONInputError, read_json


def load_script(path: str | Path) -> list[Any]:
    """The turns of a script file; ValueError naming the problem when it is not a JSON array of turns."""
    try:
        turns = read_json(Path(path), MAX_CONFIG_BYTES)
    except JSONInputError as exc:
        raise ValueError(exc.summary) from None
    except InputFileError as exc:
        raise ValueError(f"{path}: cannot be read: {exc.problem}") from None
    if not isinstance(turns, list) or not turns:
        raise ValueError(f"{path}: a script is a non-empty JSON array of replies")
    for index, turn in enumerate(turns):
        if isinstance(turn, str):
            continue
        if not (isinstance(turn, dict) and isinstance(turn.get("tool"), str) and set(turn) <= {"tool", "input"}):
            raise ValueError(f'{path}: entry {index} must be a string or {{"tool": NAME, "input": {{...}}}}')
    return turns
