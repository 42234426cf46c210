"""examples/ is exactly what `strands init` writes, so the examples never drift from the templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.scaffold import scaffold

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = {"simple-assistant": "simple", "ticket-triage": "event-driven", "agents-monorepo": "monorepo"}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".strands" not in p.parts
    }


@pytest.mark.parametrize(("example", "template"), sorted(EXAMPLES.items()))
def test_example_equals_a_fresh_scaffold(example: str, template: str, tmp_path: Path) -> None:
    scaffold(tmp_path / example, template, name=example)
    assert _files(REPO / "examples" / example) == _files(tmp_path / example)
