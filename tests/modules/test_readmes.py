"""Module READMEs: generated tables up to date, usage examples name real inputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import ModuleType

import hcl2
import pytest

from .conftest import MODULES, MODULES_DIR


def _variables(module: str) -> dict[str, dict]:
    with (MODULES_DIR / module / "variables.tf").open() as fh:
        document = hcl2.load(fh)
    return {name.strip('"'): body for entry in document["variable"] for name, body in entry.items()}


def test_readmes_are_up_to_date(readme_script: ModuleType) -> None:
    assert readme_script.main(["--check"]) == 0, "run .venv/bin/python scripts/gen_module_readmes.py"


@pytest.mark.parametrize("module", MODULES)
def test_readme_documents_every_input_and_output(module: str) -> None:
    text = (MODULES_DIR / module / "README.md").read_text(encoding="utf-8")
    assert text.startswith(f"# {module}\n")
    for name in _variables(module):
        assert f"| `{name}` |" in text, name
    with (MODULES_DIR / module / "outputs.tf").open() as fh:
        outputs = [n.strip('"') for e in hcl2.load(fh)["output"] for n in e]
    for name in outputs:
        assert f"| `{name}` |" in text, name


@pytest.mark.parametrize("module", MODULES)
def test_usage_example_sets_required_inputs_and_only_real_ones(module: str) -> None:
    text = (MODULES_DIR / module / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```hcl\n(.*?)```", text, re.S)
    assert examples, "README needs a usage example"
    variables = _variables(module)
    required = {name for name, body in variables.items() if "default" not in body}
    for example in examples:
        document = hcl2.loads(example)
        for entry in document["module"]:
            for body in entry.values():
                assert body["source"] == f'"./modules/{module}"'
                given = {k for k in body if not k.startswith("__") and k != "source"}
                assert given - set(variables) == set(), "example sets unknown inputs"
                assert required - given == set(), "example misses required inputs"


def test_generator_keeps_hand_written_text_and_refuses_broken_markers(
    readme_script: ModuleType, tmp_path: Path
) -> None:
    module = tmp_path / "sns-topic"
    shutil.copytree(MODULES_DIR / "sns-topic", module)
    readme = module / "README.md"
    original = readme.read_text(encoding="utf-8")
    stale = original.replace("| `topic_arn` |", "| `old_output` |")
    readme.write_text(stale, encoding="utf-8")
    assert readme_script.main(["--check", "--modules-dir", str(tmp_path)]) == 1
    assert readme_script.main(["--modules-dir", str(tmp_path)]) == 0
    assert readme.read_text(encoding="utf-8") == original
    readme.write_text(original.replace(readme_script.END, ""), encoding="utf-8")
    assert readme_script.main(["--modules-dir", str(tmp_path)]) == 2


def test_generator_reports_unparsable_hcl(
    readme_script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = tmp_path / "broken"
    module.mkdir()
    (module / "main.tf").write_text("resource {", encoding="utf-8")
    for name in ("versions.tf", "variables.tf", "outputs.tf"):
        shutil.copy(MODULES_DIR / "sns-topic" / name, module / name)
    assert readme_script.main(["--modules-dir", str(tmp_path)]) == 2
    assert "not valid HCL" in capsys.readouterr().err
    assert readme_script.main(["--modules-dir", str(tmp_path / "none")]) == 2
