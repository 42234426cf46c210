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
