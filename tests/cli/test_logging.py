"""Structured logging: `--log-format json` writes one JSON object per line; `--log-file` writes to a file."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from strands_tf.logs import JsonFormatter, TextFormatter, setup_logging

from .helpers import SAMPLE, run_cli, run_process

KEYS = {"timestamp", "level", "logger", "message"}


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_log_lines_on_stderr() -> None:
    result = run_process(["-C", str(SAMPLE), "--log-format", "json", "-vv", "validate", "--json"])
    assert result.code == 0
    assert json.loads(result.out)["ok"] is True  # stdout stays pure JSON output
    records = json_lines(result.err)  # every stderr line parses on its own
    assert records
    for record in records:
        assert set(record) >= KEYS
        assert record["timestamp"].endswith("+00:00")  # type: ignore[union-attr]
    validated = next(r for r in records if r["logger"] == "strands_tf.cli.validate")
    assert validated["level"] == "info"
    assert validated["message"] == "validated strands.yaml"
    assert validated["fields"] == {"project": "support-desk", "agents": 2, "environments": ["dev", "prod", "local"]}
    loaded = next(r for r in records if r["logger"] == "strands_tf.config.loader")
    assert loaded["level"] == "debug"
    assert loaded["fields"] == {"agents": 2, "resources": 4, "fragments": 0}


def test_default_level_is_quiet() -> None:
    result = run_process(["-C", str(SAMPLE), "--log-format", "json", "validate"])
    assert result.code == 0
    assert result.err == ""


def test_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    log_file = tmp_path / "logs" / "strands.log"
    result = run_cli(
        ["-C", str(SAMPLE), "--log-format", "json", "--log-file", str(log_file), "validate"], monkeypatch, capsys
    )
    assert result.code == 0
    assert "validated" not in result.err  # the file gets the log lines, not stderr
    records = json_lines(log_file.read_text(encoding="utf-8"))
    assert any(r["message"] == "validated strands.yaml" for r in records)
    assert all(set(r) >= KEYS for r in records)


def test_text_log_format(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["-C", str(SAMPLE), "-v", "validate"], monkeypatch, capsys)
    assert result.code == 0
    assert (
        "info strands_tf.cli.validate: validated strands.yaml project=support-desk agents=2 "
        "environments=['dev', 'prod', 'local']"
    ) in result.err.splitlines()


def test_json_formatter_fields_and_exceptions() -> None:
    stream = io.StringIO()
    setup_logging("json", level=logging.DEBUG, stream=stream)
    logger = logging.getLogger("strands_tf.tests.logging")
    logger.info("uploaded %s", "record", extra={"bucket": "b", "path": Path("/x"), "sizes": [1, 2]})
    try:
        raise ValueError("bad — value")
    except ValueError:
        logger.exception("failed")
    first, second = json_lines(stream.getvalue())
    assert first["message"] == "uploaded record"
    assert first["fields"] == {"bucket": "b", "path": "/x", "sizes": [1, 2]}
    assert second["level"] == "error"
    assert "ValueError: bad — value" in str(second["exception"])
    setup_logging("text")  # leave the default handler installed for other tests


def test_text_formatter() -> None:
    record = logging.LogRecord("strands_tf.x", logging.WARNING, __file__, 1, "slow %s", ("apply",), None)
    record.stack_name = "shared"
    assert TextFormatter().format(record) == "warning strands_tf.x: slow apply stack_name=shared"
    payload = json.loads(JsonFormatter().format(record))
    assert payload["fields"] == {"stack_name": "shared"}
    assert payload["level"] == "warning"


# ------------------------------------------------------------------------ log files that cannot be written


class _FullDisk(io.TextIOBase):
    """A log stream on a full filesystem: every write fails with ENOSPC, as a real one does on flush."""

    def __init__(self) -> None:
        self.attempts = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        import errno

        self.attempts += 1
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_stops_file_logging_with_one_warning_and_never_fails_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from strands_tf import logs

    full = _FullDisk()
    real_open = logs.open_log_file if hasattr(logs, "open_log_file") else None
    assert real_open is not None, "logs.open_log_file opens --log-file (one place to check it)"
    monkeypatch.setattr(logs, "open_log_file", lambda path: full)
    result = run_cli(["-C", str(SAMPLE), "--log-file", str(tmp_path / "x.log"), "-vv", "validate"], monkeypatch, capsys)
    assert result.code == 0
    assert "strands.yaml is valid" in result.out
    assert "Traceback" not in result.err and "Logging error" not in result.err
    warnings = [line for line in result.err.splitlines() if "log file" in line]
    assert warnings == [
        f"warning: cannot write to the log file {tmp_path / 'x.log'}: No space left on device; "
        "logging to it stopped, the command goes on"
    ]
    assert full.attempts == 1  # the first failure stops it: no retry per record


def test_dev_full_as_log_file() -> None:
    """/dev/full is a real full device: every write fails with ENOSPC."""
    result = run_process(["-C", str(SAMPLE), "--log-file", "/dev/full", "-vv", "validate"])
    assert result.code == 0, result.err
    assert "strands.yaml is valid" in result.out
    assert "Traceback" not in result.err and "Logging error" not in result.err
    assert "warning: cannot write to the log file /dev/full: No space left on device" in result.err
    assert result.err.count("log file") == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("{tmp}/readonly/x.log", "Permission denied"),
        ("{tmp}/a-file/x.log", "{tmp}/a-file is not a directory"),
    ],
)
def test_an_unwritable_log_file_is_a_clear_user_error(
    path: str, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    (tmp_path / "readonly").mkdir(mode=0o500)
    (tmp_path / "a-file").write_text("x")
    if os.geteuid() == 0 and "readonly" in path:
        pytest.skip("root writes into read-only directories")
    target = path.format(tmp=tmp_path)
    result = run_cli(["-C", str(SAMPLE), "--log-file", target, "validate"], monkeypatch, capsys)
    assert result.code == 1
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert f"cannot write the log file {target}: {reason.format(tmp=tmp_path)}" in result.err
    assert "--log-file" in result.err


def test_unwritable_log_file_as_a_process() -> None:
    """The same through a real process: /proc/self is not a place for files, whoever runs the tests."""
    result = run_process(["-C", str(SAMPLE), "--log-file", "/proc/self/nope/x.log", "validate"])
    assert result.code == 1
    assert "cannot write the log file /proc/self/nope/x.log" in result.err
    assert "Traceback" not in result.err and "internal error" not in result.err


def test_log_file_fifo_without_a_reader_does_not_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe")
    result = run_process(["-C", str(SAMPLE), "--log-file", str(tmp_path / "pipe"), "validate"])
    assert result.code == 1
    assert f"cannot write the log file {tmp_path / 'pipe'}: it is a FIFO with no reader" in result.err


def test_new_log_file_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "new.log"
    assert run_cli(["-C", str(SAMPLE), "--log-file", str(log_file), "validate"], monkeypatch, capsys).code == 0
    assert log_file.stat().st_mode & 0o777 == 0o600
