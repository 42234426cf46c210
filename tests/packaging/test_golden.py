"""Golden bytes: a fixed tree must zip to this exact sha256 on every supported Python and machine.

CPython 3.11, 3.12 and 3.13 with stock zlib give the same bytes (checked when this was written). If this
fails after a Python or zlib change (zlib-ng, for one, deflates differently), every deployed agent's
source_code_hash would change with it: find out why before updating the constant.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from strands_tf.packaging import PackageSpec, build_agent_artifacts

GOLDEN_SHA256 = "74d29cc47704ee2bc8841f7adc17314646ce73a592da133059cc2e7063218e97"


def make_fixed_tree(root: Path) -> None:
    files = {
        "app.py": "from lib.tools import greet\n\n\ndef handler(event, context):\n    return greet(event)\n",
        "lib/__init__.py": "",
        "lib/tools.py": "def greet(event):\n    return {'hello': event.get('name', 'world')}\n" * 20,
        "lib/prompts/système.txt": "You are a concise assistant.\n" * 40,
        "bin/start": "#!/bin/sh\nexec python app.py\n",
        "requirements.txt": "strands-agents==1.0.0\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "bin/start").chmod(0o755)


@pytest.mark.skipif(
    "ng" in zlib.ZLIB_RUNTIME_VERSION.lower(), reason="zlib-ng deflates to other (valid) bytes than zlib"
)
def test_fixed_tree_zips_to_the_golden_hash(tmp_path: Path) -> None:
    make_fixed_tree(tmp_path / "agent")
    art = build_agent_artifacts(
        PackageSpec("golden", tmp_path / "agent", "python3.12", "arm64", None), tmp_path / "out", tmp_path / "c"
    )
    assert art.code.sha256 == GOLDEN_SHA256
