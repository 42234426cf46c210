"""`strands ci comment gitlab DIR`: merge request notes over GitLab's REST API (a real local HTTP server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from strands_tf.cli.main import main

TOKEN = "glpat-secret-value-123"


class _GitLab(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], dict]] = []
    status = 201

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": len(type(self).received)}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_GitLab]]:
    _GitLab.received = []
    _GitLab.status = 201
    server = HTTPServer(("127.0.0.1", 0), _GitLab)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("CI_API_V4_URL", f"http://127.0.0.1:{server.server_port}/api/v4")
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("STRANDS_GITLAB_TOKEN", TOKEN)
    try:
        yield _GitLab
    finally:
        server.shutdown()
        server.server_close()


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _comments(tmp_path: Path, count: int) -> Path:
    directory = tmp_path / "comments"
    directory.mkdir()
    for n in range(1, count + 1):
        (directory / f"plan-{n}.md").write_text(f"part {n}")
    (directory / "notes.txt").write_text("not a comment")
    return directory


def test_each_part_becomes_a_note_in_order(
    tmp_path: Path, gitlab: type[_GitLab], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _comments(tmp_path, 11)  # plan-10 after plan-9, not after plan-1
    code, out = _cli(["ci", "comment", "gitlab", str(directory)], monkeypatch, capsys)
    assert code == 0, out
    assert [body["body"] for _, _, body in gitlab.received] == [f"part {n}" for n in range(1, 12)]
    path, headers, _ = gitlab.received[0]
    assert path == "/api/v4/projects/42/merge_requests/7/notes"
    assert {k.lower(): v for k, v in headers.items()}["private-token"] == TOKEN


def test_refusal_names_the_status_but_never_the_token(
    tmp_path: Path, gitlab: type[_GitLab], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gitlab.status = 401
    code, out = _cli(["ci", "comment", "gitlab", str(_comments(tmp_path, 1))], monkeypatch, capsys)
    assert code == 3 and "401" in out and TOKEN not in out


def test_outside_a_merge_request_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "STRANDS_GITLAB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    code, out = _cli(["ci", "comment", "gitlab", str(_comments(tmp_path, 1))], monkeypatch, capsys)
    assert code == 1 and "CI_MERGE_REQUEST_IID" in out and "STRANDS_GITLAB_TOKEN" in out


def test_no_comments_and_an_unreachable_gitlab(
    tmp_path: Path, gitlab: type[_GitLab], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = _cli(["ci", "comment", "gitlab", str(empty)], monkeypatch, capsys)
    assert code == 1 and "no plan comments" in out
    monkeypatch.setenv("CI_API_V4_URL", "http://127.0.0.1:9/api/v4")  # discard port: nothing listens
    code, out = _cli(["ci", "comment", "gitlab", str(_comments(tmp_path, 1))], monkeypatch, capsys)
    assert code == 3 and "could not reach GitLab" in out
