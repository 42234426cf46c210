"""JSON nested too deeply for Python's decoder is a clear error naming the file, never an internal error.

Found by QA: `[[[[...` a few thousand deep made `json.loads` raise RecursionError, which the readers of user
files (they catch ValueError, as for any malformed JSON) let escape as a traceback. `inputfile.loads_json`
and `read_json` turn it into malformed JSON like any other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.dev import sqs
from strands_tf.dev.script import load_script
from strands_tf.errors import UserError
from strands_tf.inputfile import InputFileError, JSONNestingError, loads_json, read_json
from tests.cli.test_input_files import SAMPLE, run_strands

DEEP = "[" * 100_000 + "]" * 100_000


def _assert_clear(proc, *needles: str) -> None:  # type: ignore[no-untyped-def]
    output = proc.stdout + proc.stderr
    assert proc.returncode in (1, 2), output
    assert "Traceback" not in output and "internal error" not in output.lower() and "RecursionError" not in output
    for needle in needles:
        assert needle in output, output


def test_dev_invoke_event_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "event.json").write_text(DEEP)
    proc = run_strands(["-C", str(SAMPLE), "dev", "invoke", "support", "--event", "event.json"], tmp_path)
    _assert_clear(proc, "event.json", "nested too deeply")


def test_dev_invoke_sqs_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "messages.json").write_text(DEEP)
    proc = run_strands(["-C", str(SAMPLE), "dev", "invoke", "triage", "--sqs", "messages.json"], tmp_path)
    _assert_clear(proc, "messages.json", "nested too deeply")


def test_sqs_json_lines_nested_too_deeply_names_the_line(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"body": "ok"}\n' + DEEP + "\n")
    with pytest.raises(UserError, match=r"batch\.jsonl:2: not valid JSON: nested too deeply"):
        sqs.load_messages(batch)


def test_dev_script_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "script.json").write_text(DEEP)
    with pytest.raises(ValueError, match=r"script\.json: not valid JSON: nested too deeply"):
        load_script(tmp_path / "script.json")


def test_show_a_plan_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(DEEP)
    proc = run_strands(["show", "plan.json"], tmp_path)
    _assert_clear(proc, "plan.json", "nested too deeply")


def test_read_json_names_the_file_and_where(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(DEEP)
    with pytest.raises(InputFileError) as caught:
        read_json(path, 10_000_000)
    assert caught.value.reason == "invalid_json" and str(path) in caught.value.summary
    path.write_text('{"a": 1,\n  "b": }')
    with pytest.raises(InputFileError, match=r"x\.json:2:8: not valid JSON"):
        read_json(path, 10_000_000)
    path.write_bytes(b'"\xff"')
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_json(path, 10_000_000)
    assert read_json_ok(path)


def read_json_ok(path: Path) -> bool:
    path.write_text('{"ok": [1, {"deep": [2]}]}')
    return read_json(path, 1000) == {"ok": [1, {"deep": [2]}]}


def test_loads_json_raises_a_value_error_for_nesting() -> None:
    with pytest.raises(JSONNestingError):
        loads_json(DEEP)
    assert issubclass(JSONNestingError, ValueError)


@pytest.mark.parametrize(
    "reader",
    [
        "checkpoint",
        "lock",
        "tfstate",
        "canvas",
    ],
)
def test_readers_of_damaged_files_treat_deep_nesting_as_damage(tmp_path: Path, reader: str) -> None:
    """Readers that skip or report damaged JSON do the same for JSON nested too deeply."""
    if reader == "checkpoint":
        from strands_tf.deploy.checkpoint import raw_checkpoints
        from strands_tf.deploy.workspace import Workspace

        directory = tmp_path / ".strands" / "deployments" / "20261125T150102Z-3fa1c2"
        directory.mkdir(parents=True)
        (directory / "checkpoint.json").write_text(DEEP)
        assert raw_checkpoints(Workspace(tmp_path)) == []
    elif reader == "lock":
        from strands_tf.errors import StateError
        from strands_tf.state.lock import ProjectLock

        lock = ProjectLock(tmp_path, "test")
        lock.path.parent.mkdir(parents=True, exist_ok=True)
        lock.path.write_text(DEEP)  # unreadable like any damaged lock file: a holder it cannot name
        with pytest.raises(StateError, match="another command holds the project lock"), lock:
            pass
    elif reader == "tfstate":
        from strands_tf.errors import StrandsError
        from strands_tf.terraform.tfstate import parse_tfstate_bytes

        with pytest.raises(StrandsError, match="nested too deeply"):
            parse_tfstate_bytes(DEEP, "x.tfstate")
    else:
        from strands_tf.deploy.executor import read_synthesized

        (tmp_path / "manifest.json").write_text(DEEP)
        with pytest.raises(UserError, match=r"manifest\.json"):
            read_synthesized(tmp_path / "manifest.json")
