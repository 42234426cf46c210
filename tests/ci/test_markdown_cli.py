"""`strands show --format markdown` / `strands plan --format markdown` on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from strands_tf.ci.markdown import SPLIT_MARKER
from strands_tf.cli.main import main

SAMPLE = Path(__file__).resolve().parents[1] / "generators" / "data" / "sample"


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _plan(address_count: int = 1) -> dict:
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": f"module.agent_support.aws_lambda_function.this_{i}",
                "module_address": "module.agent_support",
                "mode": "managed",
                "type": "aws_lambda_function",
                "name": f"this_{i}",
                "change": {"actions": ["delete"], "before": {"function_name": "x"}, "after": None},
            }
            for i in range(address_count)
        ],
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    return root


def test_show_inside_a_project_maps_addresses_to_strands_yaml(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = project / "plans"
    plans.mkdir()
    (plans / "support-desk-dev.json").write_text(json.dumps(_plan()))
    (plans / "support-desk-dev-api.json").write_text(json.dumps({"format_version": "1.2", "resource_changes": []}))
    code, out, err = _cli(
        ["-C", str(project), "show", "-e", "dev", str(plans / "support-desk-dev.json"),
         str(plans / "support-desk-dev-api.json"), "--format", "markdown"],
        monkeypatch, capsys,
    )  # fmt: skip
    assert code == 0, err
    line = next(
        n for n, text in enumerate((project / "strands.yaml").read_text().splitlines(), 1) if text.strip() == "support:"
    )
    assert f"agent support (strands.yaml:{line})" in out
    assert "#### `support-desk-dev`: 1 to destroy" in out and "#### `support-desk-dev-api`: no changes" in out


def test_show_outside_a_project_and_json_of_several_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_plan()))
    (tmp_path / "b.json").write_text(json.dumps(_plan(2)))
    code, out, _ = _cli(
        ["-C", str(tmp_path), "show", str(tmp_path / "a.json"), "--format", "markdown"], monkeypatch, capsys
    )
    assert code == 0 and "<b>other</b>" in out
    code, out, _ = _cli(["-C", str(tmp_path), "show", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--json"],
                        monkeypatch, capsys)  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    assert doc["stacks"]["b"]["counts"]["delete"] == 2


def test_comment_dir_holds_one_file_per_comment_and_no_stale_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps(_plan(1500)))
    comments = tmp_path / "comments"
    args = ["-C", str(tmp_path), "show", str(big), "--format", "markdown", "--comment-dir", str(comments)]
    code, out, err = _cli(args, monkeypatch, capsys)
    assert code == 0, err
    parts = sorted(comments.iterdir())
    assert len(parts) >= 2 and all(len(p.read_text()) <= 65_536 for p in parts)
    code, out, _ = _cli(["-C", str(tmp_path), "show", str(big), "--format", "markdown"], monkeypatch, capsys)
    assert out.count(SPLIT_MARKER) == len(parts) - 1
    small = tmp_path / "small.json"
    small.write_text(json.dumps(_plan(1)))
    _cli(["-C", str(tmp_path), "show", str(small), "--format", "markdown", "--comment-dir", str(comments)],
         monkeypatch, capsys)  # fmt: skip
    assert [p.name for p in comments.iterdir()] == ["plan-1.md"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--json", "--format", "markdown"], "contradict"), (["--comment-dir", "x"], "--format markdown")],
)
def test_conflicting_flags_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    (tmp_path / "a.json").write_text(json.dumps(_plan()))
    code, _out, err = _cli(["-C", str(tmp_path), "show", str(tmp_path / "a.json"), *args], monkeypatch, capsys)
    assert code == 2 and needle in err


def test_show_of_a_broken_plan_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    code, _out, err = _cli(["-C", str(tmp_path), "show", str(tmp_path / "bad.json"), "--format", "markdown"],
                          monkeypatch, capsys)  # fmt: skip
    assert code in (1, 3) and "Traceback" not in err and "bad.json" in err
