"""One typed event stream: Terraform's UI lines decoded once, consumed by progress, events.jsonl and the terminal."""

from __future__ import annotations

import errno
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from strands_tf.cli.progress import LiveReporter
from strands_tf.deploy.events import (
    DeploymentEvent,
    EventLog,
    EventStream,
    StackDone,
    StackEvent,
    StackPhase,
    read_event_log,
    replay,
)
from strands_tf.terraform import events as ui
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.events import (
    ApplyComplete,
    ApplyStart,
    ChangeSummary,
    DiagnosticEvent,
    OutputsEvent,
    PlannedChange,
    ProgressTracker,
    ProvisionEvent,
    ResourceDrift,
    decode_event,
)
from strands_tf.terraform.plan import SENSITIVE
from tests.helpers.deployments import context, deploy, write_layout
from tests.helpers.tfstacks import Res


def _hook(kind: str, addr: str, action: str, **extra: Any) -> dict[str, Any]:
    return {
        "@level": "info",
        "@message": f"{addr}: {kind}",
        "@module": "terraform.ui",
        "@timestamp": "2026-01-01T00:00:01.123456789Z",
        "type": kind,
        "hook": {"resource": {"addr": addr, "resource_type": "aws_s3_bucket", "resource_name": "b"}, "action": action,
                 **extra},
    }  # fmt: skip


def test_every_message_type_decodes_to_its_typed_event() -> None:
    start = decode_event(_hook("apply_start", "aws_s3_bucket.b", "create", id_key="id", id_value="x"))
    assert isinstance(start, ApplyStart) and start.resource is not None
    assert (start.resource_addr, start.resource.resource_type, start.action, start.id_value) == (
        "aws_s3_bucket.b", "aws_s3_bucket", "create", "x",
    )  # fmt: skip
    done = decode_event(_hook("apply_complete", "aws_s3_bucket.b", "create", elapsed_seconds=3))
    assert isinstance(done, ApplyComplete) and done.elapsed_seconds == 3.0
    provision = decode_event(_hook("provision_progress", "aws_s3_bucket.b", "create", provisioner="local-exec",
                                   output="hello"))  # fmt: skip
    assert isinstance(provision, ProvisionEvent) and (provision.provisioner, provision.output) == (
        "local-exec",
        "hello",
    )

    planned = decode_event({"type": "planned_change", "change": {"resource": {"addr": "a.b"}, "action": "noop",
                                                                 "reason": "cannot_update"}})  # fmt: skip
    assert isinstance(planned, PlannedChange) and (planned.action, planned.reason) == ("no-op", "cannot_update")
    drift = decode_event({"type": "resource_drift", "change": {"resource": {"addr": "a.b"}, "action": "update"}})
    assert isinstance(drift, ResourceDrift) and drift.action == "update"
    changes = {"add": 2, "change": 1, "import": 1, "remove": 3, "operation": "apply"}
    summary = decode_event({"type": "change_summary", "changes": changes})
    assert isinstance(summary, ChangeSummary)
    counted = (summary.add, summary.change, summary.import_count, summary.remove, summary.operation)
    assert counted == (2, 1, 1, 3, "apply")
    diag = decode_event({"type": "diagnostic", "@level": "error", "diagnostic": {
        "severity": "error", "summary": "boom", "detail": "it broke", "address": "a.b"}})  # fmt: skip
    assert isinstance(diag, DiagnosticEvent)
    assert (diag.severity, diag.summary, diag.detail, diag.resource_addr) == ("error", "boom", "it broke", "a.b")
    version = decode_event({"type": "version", "terraform": "1.15.0"})
    assert type(version) is ui.UIEvent and version.type == "version"


def test_sensitive_outputs_are_masked_when_decoded_so_no_consumer_sees_them() -> None:
    outputs = {"token": {"sensitive": True, "value": "s3cr3t-value"}, "url": {"sensitive": False, "value": "https://x"}}
    event = decode_event({"type": "outputs", "outputs": outputs})
    assert isinstance(event, OutputsEvent)
    assert event.outputs["token"]["value"] == SENSITIVE and event.outputs["url"]["value"] == "https://x"
    assert "s3cr3t-value" not in json.dumps(event.to_json())
    logged = StackEvent("app", "apply", event, 2).to_json()
    assert logged["attempt"] == 2 and "s3cr3t-value" not in json.dumps(logged)


def test_a_failing_subscriber_is_skipped_and_the_others_still_hear_every_event() -> None:
    stream = EventStream()
    heard: list[DeploymentEvent] = []

    def broken(event: DeploymentEvent) -> None:
        raise RuntimeError("renderer bug")

    stream.subscribe(broken)
    stream.subscribe(heard.append)
    stream.publish(StackPhase("app", "apply"))
    stream.publish(StackEvent("app", "apply", decode_event(_hook("apply_start", "a.b", "create"))))
    stream.publish(StackDone("app", "applied"))
    assert [type(e) for e in heard] == [StackPhase, StackEvent, StackDone]
    assert heard[1].row is not None and heard[1].row.address == "a.b"  # type: ignore[union-attr]


def test_event_log_on_a_full_disk_warns_once_and_keeps_going(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    log._file = Full()
    event = StackEvent("app", "apply", decode_event(_hook("apply_start", "a.b", "create")))
    log.write(event)
    log.write(event)
    assert log.failed is not None and "disk is full" in log.failed
    log.close()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


@pytest.mark.engine
def test_a_deployment_decodes_each_line_once_and_every_consumer_shares_it(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fed: list[int] = []
    original_feed = ProgressTracker.feed

    def counting_feed(self: ProgressTracker, event: ui.UIEvent) -> Any:
        fed.append(id(event))
        return original_feed(self, event)

    monkeypatch.setattr(ProgressTracker, "feed", counting_feed)
    out = write_layout(tmp_path, {"shared": ([Res("base")], ()), "app": ([Res("svc", sleep=1)], ("shared",))})
    ctx = context(tmp_path, engine)
    console = Console(file=io.StringIO(), force_terminal=False, width=200)
    reporter = LiveReporter(console)
    ctx.events.subscribe(reporter)
    heard: list[DeploymentEvent] = []
    ctx.events.subscribe(heard.append)
    store, result = deploy(tmp_path, engine, out, ctx=ctx)
    assert result.ok, result.errors

    live = [e for e in heard if isinstance(e, StackEvent)]
    apply_events = [e for e in live if e.phase == "apply"]
    # the one tracker per stack was fed exactly the decoded objects the subscribers got: nothing decoded twice
    assert sorted(fed) == sorted(id(e.event) for e in apply_events)
    assert {name: id(t) for name, t in reporter.trackers.items()} == {n: id(t) for n, t in result.trackers.items()}
    assert result.trackers["app"].snapshot().done == 1
    assert "app: terraform_data.svc done" in console.file.getvalue()  # type: ignore[attr-defined]

    # events.jsonl is the stream persisted: the same events, in order, with their attempt, typed again on read
    logged = list(read_event_log(store.dir / "events.jsonl"))
    assert [(e.stack, e.phase, e.attempt, e.event.type) for e in logged] == [
        (e.stack, e.phase, 1, e.event.type) for e in live
    ]
    assert [type(e.event) for e in logged] == [type(e.event) for e in live]
    replayed = replay(logged)
    assert replayed[(1, "app")].snapshot().done == result.trackers["app"].snapshot().done
    phases = [(e.stack, e.phase) for e in heard if isinstance(e, StackPhase)]
    assert phases.index(("shared", "apply")) < phases.index(("app", "init"))
    done = {e.stack: e.status for e in heard if isinstance(e, StackDone)}
    assert done == {"shared": "applied", "app": "applied"}


@pytest.mark.engine
def test_a_full_disk_under_the_event_log_does_not_stop_the_deployment(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: EventLog, event: StackEvent) -> None:
        self._fail(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(EventLog, "write", full)
    out = write_layout(tmp_path, {"app": ([Res("a")], ())})
    _store, result = deploy(tmp_path, engine, out)
    assert result.ok, result.errors
    assert any("disk is full" in w for w in result.warnings)


def test_the_canvas_plan_preview_is_a_subscriber_of_the_same_stream() -> None:
    from types import SimpleNamespace

    from strands_tf.canvas.plan import PlanJob, _Reporter

    sent: list[tuple[str, dict[str, Any]]] = []
    hub = SimpleNamespace(publish_threadsafe=lambda kind, payload: sent.append((kind, payload)))
    job = PlanJob(id=7, environment="local")
    reporter = _Reporter(hub, job)  # type: ignore[arg-type]
    reporter.graph = SimpleNamespace(nodes={})
    stream = EventStream()
    stream.subscribe(reporter)
    stream.publish(StackPhase("shop-local", "plan"))
    change = {"type": "planned_change", "change": {"resource": {"addr": "module.agent_support.aws_iam_role.this"},
                                                   "action": "noop"}}  # fmt: skip
    stream.publish(StackEvent("shop-local", "plan", decode_event(change)))
    stream.publish(StackEvent("shop-local", "plan", decode_event({"type": "version"})))
    stream.publish(StackDone("shop-local", "no_changes"))
    assert job.phases == {"shop-local": "plan"}
    assert [kind for kind, _ in sent] == ["plan.progress", "plan.change", "plan.progress"]
    assert sent[1][1]["address"] == "module.agent_support.aws_iam_role.this" and sent[1][1]["action"] == "no-op"
    assert sent[2][1] == {"job": 7, "stack": "shop-local", "phase": "no_changes", "error": None}
