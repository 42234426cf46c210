"""docs/configuration.md is generated from the models and committed; it must be up to date and complete."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel

from strands_tf.config import models

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gen_config_docs.py"
DOC = ROOT / "docs" / "configuration.md"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_config_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == generator().render(), (
        "docs/configuration.md is out of date: run .venv/bin/python scripts/gen_config_docs.py"
    )


def test_check_mode_exit_code() -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_field_of_every_model_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r'^<a id="', text, flags=re.M)[1:]
    by_anchor = {section.split('"', 1)[0]: section for section in sections}
    documented = 0
    for obj in vars(models).values():
        if not (isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == models.__name__):
            continue
        if obj.__name__ in ("StrictModel", "ResourceBase", "AgentSettings"):
            continue  # abstract bases: their fields are documented in every concrete model
        section = by_anchor.get(obj.__name__.lower())
        assert section is not None, f"no section for {obj.__name__}"
        for name, field in obj.model_fields.items():
            assert f"| `{name}` |" in section, f"{obj.__name__}.{name} missing"
            assert field.description and field.description.replace("|", "\\|") in section
            documented += 1
    assert documented > 120
