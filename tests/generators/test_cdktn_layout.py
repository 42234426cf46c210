"""What the CDK Terrain CLI needs of the CDKTF layout (issue 16 item 6), without the CLI itself.

tests/cdktn_cli runs the real `cdktn list/synth/diff`; these pin each fix where it is made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.cli.main import main

from .conftest import synth


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_cdktf_json_needs_no_cdktn_get_and_names_the_environment(sample: Path) -> None:
    synth(sample, "local")
    config = json.loads((sample / "cdktf.json").read_text())
    assert config["terraformProviders"] == [] and config["terraformModules"] == []
    assert config["codeMakerOutput"] == "imports"
    assert config["app"] == 'strands synth -e "${STRANDS_ENV:-local}"'
    synth(sample, "dev")
    assert json.loads((sample / "cdktf.json").read_text())["app"] == 'strands synth -e "${STRANDS_ENV:-dev}"'


def test_synth_writes_where_cdktn_asks(sample: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CDKTF_OUTDIR", str(sample / "asked.out"))
    code, out = _cli(["-C", str(sample), "synth", "-e", "local", "--no-package"], monkeypatch, capsys)
    assert code == 0, out
    assert (sample / "asked.out" / "manifest.json").is_file() and not (sample / "cdktf.out").exists()
    # an explicit --out still wins
    code, out = _cli(["-C", str(sample), "synth", "-e", "local", "--no-package", "--out", str(sample / "x.out")],
                     monkeypatch, capsys)  # fmt: skip
    assert code == 0 and (sample / "x.out" / "manifest.json").is_file()


def _per_agent(sample: Path) -> None:
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))


def test_folders_of_stacks_that_are_gone_are_left_for_cdktn(sample: Path, monkeypatch, capsys) -> None:
    """cdktn lists the stack folders before running the app and removes the stale ones after: it crashed
    (ENOENT) when strands had removed them already."""
    out = sample / "cdktf.out"
    _per_agent(sample)
    synth(sample, "local")
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("stacks: per_agent\n", ""))
    monkeypatch.setenv("CDKTF_OUTDIR", str(out))
    code, text = _cli(["-C", str(sample), "synth", "-e", "local", "--no-package"], monkeypatch, capsys)
    assert code == 0, text
    stacks = sorted(p.name for p in (out / "stacks").iterdir())
    assert stacks == [
        "support-desk-local", "support-desk-local-api", "support-desk-local-support", "support-desk-local-triage",
    ]  # fmt: skip
    assert list(json.loads((out / "manifest.json").read_text())["stacks"]) == ["support-desk-local"]


def test_strands_synth_alone_still_removes_stale_stacks(sample: Path) -> None:
    _per_agent(sample)
    synth(sample, "local")
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("stacks: per_agent\n", ""))
    synth(sample, "local")
    assert sorted(p.name for p in (sample / "cdktf.out" / "stacks").iterdir()) == ["support-desk-local"]
