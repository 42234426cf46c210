"""The runner against the real embedded Terraform engine, with stacks of ``terraform_data`` resources."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from strands_tf.errors import Category, StateError
from strands_tf.terraform.diagnostics import TerraformError
from strands_tf.terraform.engine import Engine, EngineKind, discover_engine
from strands_tf.terraform.events import UIEvent
from strands_tf.terraform.runner import Cancellation, TerraformCancelled, TerraformRunner, TerraformTimeout
from tests.helpers.tfstacks import Res, S3Backend, read_local_state, state_resource_names, write_stack

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    found = discover_engine(prefer="embedded")
    assert found.kind is EngineKind.EMBEDDED
    return found


@pytest.fixture
def make_runner(
    engine: Engine, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., TerraformRunner]:
    cache = tmp_path_factory.getbasetemp() / "plugin-cache"
    rc = tmp_path / "terraform.rc"
    rc.write_text("")

    def make(workdir: Path, **kw: Any) -> TerraformRunner:
        kw.setdefault("data_dir", tmp_path / ".strands" / "tf" / workdir.name)
        return TerraformRunner(engine, workdir, plugin_cache=cache, cli_config=rc, **kw)

    return make


def test_init_plan_show_apply_destroy(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    work = write_stack(
        tmp_path,
        "app",
        [Res("a"), Res("b", depends_on=["a"], input={"k": "v"})],
        outputs={"a_id": "terraform_data.a.id", "b_out": "terraform_data.b.output"},
    )
    r = make_runner(work)
    assert not r.init().skipped
    r.validate()

    plan = r.plan(tmp_path / "plans" / "app.tfplan")
    assert plan.has_changes
    assert plan.change_summary is not None and plan.change_summary["add"] == 2
    assert plan.plan_file.is_file()
    doc = r.show_plan(plan.plan_file)
    assert doc["format_version"].startswith("1.")
    assert sorted(rc["address"] for rc in doc["resource_changes"]) == ["terraform_data.a", "terraform_data.b"]
    assert all(rc["change"]["actions"] == ["create"] for rc in doc["resource_changes"])

    events: list[dict[str, Any]] = []
    applied = r.apply(plan.plan_file, on_event=events.append)
    kinds = [e.type for e in events]
    assert kinds.count("planned_change") == 2
    assert kinds.count("apply_complete") == 2
    assert applied.change_summary is not None and applied.change_summary["add"] == 2
    assert applied.outputs is not None and applied.outputs["b_out"]["value"] == {"k": "v"}

    outputs = r.output()
    assert outputs["a_id"]["value"] == applied.outputs["a_id"]["value"]
    state = r.state_pull()
    assert state is not None and state["version"] == 4
    assert state_resource_names(state) == {"a", "b"}

    # nothing to do the second time
    again = r.plan(tmp_path / "plans" / "again.tfplan")
    assert not again.has_changes

    destroy = r.plan(tmp_path / "plans" / "destroy.tfplan", destroy=True)
    assert destroy.destroy and destroy.has_changes
    assert destroy.change_summary is not None and destroy.change_summary["remove"] == 2
    r.apply(destroy.plan_file)
    after = r.state_pull()
    assert after is not None and after["resources"] == []
    assert after["serial"] > state["serial"]


def test_events_stream_while_apply_runs(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    work = write_stack(tmp_path, "slow", [Res("first"), Res("second", sleep=3, depends_on=["first"])])
    r = make_runner(work)
    r.init()
    plan = r.plan(tmp_path / "slow.tfplan")
    seen: list[tuple[float, str, str]] = []

    def on_event(e: UIEvent) -> None:
        seen.append((time.monotonic(), e.type, e.resource_addr or ""))

    r.apply(plan.plan_file, on_event=on_event)
    end = time.monotonic()
    first_done = next(t for t, kind, addr in seen if kind == "apply_complete" and addr == "terraform_data.first")
    assert end - first_done > 2.0, "events were delivered only when the run ended"


def test_failed_resource_is_classified_and_state_keeps_the_rest(
    tmp_path: Path, make_runner: Callable[..., TerraformRunner]
) -> None:
    work = write_stack(
        tmp_path,
        "failing",
        [Res("ok"), Res("bad", fail=True, depends_on=["ok"]), Res("after", depends_on=["bad"])],
    )
    r = make_runner(work)
    r.init()
    plan = r.plan(tmp_path / "f.tfplan")
    with pytest.raises(TerraformError) as info:
        r.apply(plan.plan_file)
    err = info.value
    assert err.classification.kind == "provisioner"
    assert err.category == Category.PROVISIONING
    assert "terraform_data.bad" in err.summary
    assert any(d.address == "terraform_data.bad" for d in err.diagnostics)
    assert "exit status 1" in (err.detail or "")
    state = read_local_state(work)
    assert state_resource_names(state) == {"ok"}
    tainted = [r for r in state["resources"] if r["instances"][0].get("status") == "tainted"]
    assert [t["name"] for t in tainted] == ["bad"]


def test_cancel_mid_apply_halts_and_keeps_consistent_state(
    tmp_path: Path, make_runner: Callable[..., TerraformRunner]
) -> None:
    marker = tmp_path / "never-touched"
    work = write_stack(
        tmp_path,
        "cancel",
        [Res("quick"), Res("long", sleep=30, depends_on=["quick"], marker=str(marker))],
    )
    token = Cancellation(grace_period=30)
    r = make_runner(work, cancellation=token)
    r.init()
    plan = r.plan(tmp_path / "c.tfplan")
    cancelled_at: list[float] = []

    def on_event(e: UIEvent) -> None:
        if e.type == "apply_start" and e.resource_addr == "terraform_data.long":
            # cancel from another thread, as a signal handler would, while the sleep runs
            def later() -> None:
                time.sleep(1)
                cancelled_at.append(time.monotonic())
                token.cancel()

            threading.Thread(target=later).start()

    with pytest.raises(TerraformCancelled) as info:
        r.apply(plan.plan_file, on_event=on_event)
    halted = time.monotonic() - cancelled_at[0]
    assert halted < 10, f"run took {halted:.1f} s to halt"
    assert any(d.summary == "execution halted" for d in info.value.diagnostics)
    assert "run the command again" in (info.value.hint or "").lower()
    state = read_local_state(work)
    assert state["serial"] >= 1
    assert state_resource_names(state) == {"quick"}
    statuses = {r["name"]: r["instances"][0].get("status") for r in state["resources"]}
    # the interrupted resource is either recorded as tainted or not recorded at all
    assert statuses.get("long") in (None, "tainted")
    assert not marker.exists(), "the provisioner ran to completion despite the cancel"

    # the next run continues from that state and finishes the rest
    fresh = make_runner(work)
    rerun = fresh.plan(tmp_path / "c2.tfplan")
    assert rerun.change_summary is not None and rerun.change_summary["add"] == 1


def test_two_stacks_run_concurrently(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    runners = [make_runner(write_stack(tmp_path, f"s{i}", [Res("work", sleep=2)])) for i in range(2)]
    spans: dict[str, tuple[float, float]] = {}
    errors: list[BaseException] = []

    def deploy(r: TerraformRunner) -> None:
        try:
            r.init()
            plan = r.plan(r.data_dir.parent / f"{r.workdir.name}.tfplan")
            t0 = time.monotonic()
            r.apply(plan.plan_file)
            spans[r.workdir.name] = (t0, time.monotonic())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deploy, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    (a0, a1), (b0, b1) = spans["s0"], spans["s1"]
    assert a0 < b1 and b0 < a1, "the applies did not overlap"
    assert runners[0].data_dir != runners[1].data_dir
    for r in runners:
        assert state_resource_names(read_local_state(r.workdir)) == {"work"}


def test_init_is_skipped_until_something_it_depends_on_changes(
    tmp_path: Path, make_runner: Callable[..., TerraformRunner]
) -> None:
    work = write_stack(tmp_path, "skip", [Res("a")])
    r = make_runner(work)
    assert not r.init().skipped
    assert r.init().skipped
    # a resource change needs no init
    write_stack(tmp_path, "skip", [Res("a"), Res("b")])
    assert r.init().skipped
    # a terraform block change does
    doc = json.loads((work / "cdk.tf.json").read_text())
    doc["terraform"]["required_version"] = ">= 1.7.0"
    (work / "cdk.tf.json").write_text(json.dumps(doc))
    assert not r.init().skipped
    assert r.init().skipped
    # so does a missing data dir
    import shutil

    shutil.rmtree(r.data_dir)
    assert not r.init().skipped
    # and an explicit force
    assert not r.init(force=True).skipped


def test_timeout_stops_apply_and_names_the_command(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    work = write_stack(tmp_path, "timeout", [Res("long", sleep=30)])
    r = make_runner(work)
    r.init()
    plan = r.plan(tmp_path / "t.tfplan")
    t0 = time.monotonic()
    with pytest.raises(TerraformTimeout) as info:
        r.apply(plan.plan_file, timeout=2)
    assert time.monotonic() - t0 < 12
    assert "terraform apply timed out after 2 s" in info.value.summary
    state = read_local_state(work)
    assert state["version"] == 4


def test_invalid_configuration_is_a_configuration_error(
    tmp_path: Path, make_runner: Callable[..., TerraformRunner]
) -> None:
    work = write_stack(tmp_path, "bad", [Res("a", input="${terraform_data.missing.id}")])
    r = make_runner(work)
    r.init()
    with pytest.raises(TerraformError) as info:
        r.validate()
    err = info.value
    assert err.category == Category.CONFIGURATION
    assert err.exit_code == 1
    assert err.diagnostics[0].summary == "Reference to undeclared resource"
    assert err.diagnostics[0].location is not None and err.diagnostics[0].location.startswith("cdk.tf.json:")
    with pytest.raises(TerraformError) as plan_info:
        r.plan(tmp_path / "bad.tfplan")
    assert plan_info.value.classification.kind == "configuration"


def test_fmt_check_recursive_diff(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    work = tmp_path / "hcl"
    (work / "modules" / "m").mkdir(parents=True)
    (work / "main.tf").write_text('resource "terraform_data" "a" {\n  input = "x"\n}\n')
    (work / "modules" / "m" / "main.tf").write_text('resource "terraform_data" "z" {\ninput="x"\n}\n')
    r = make_runner(work)
    res = r.fmt(check=True, recursive=True, diff=True)
    assert not res.ok
    assert res.files == ["modules/m/main.tf"]
    assert '+  input = "x"' in res.diff
    fixed = r.fmt(recursive=True)
    assert fixed.files == ["modules/m/main.tf"]
    assert r.fmt(check=True, recursive=True).ok
    (work / "broken.tf").write_text('resource "terraform_data" "a" {\n')
    with pytest.raises(TerraformError) as info:
        r.fmt(check=True)
    assert info.value.category == Category.CONFIGURATION


def test_show_plan_missing_file(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    r = make_runner(write_stack(tmp_path, "x", [Res("a")]))
    with pytest.raises(StateError, match="plan file not found"):
        r.show_plan(tmp_path / "nope.tfplan")
    with pytest.raises(StateError, match="plan file not found"):
        r.apply(tmp_path / "nope.tfplan")


def test_state_pull_without_state(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    r = make_runner(write_stack(tmp_path, "empty", [Res("a")]))
    r.init()
    assert r.state_pull() is None
    assert r.output() == {}
    assert "terraform.io/builtin/terraform" in r.providers()


# --- S3 backend on moto ---------------------------------------------------------------------------


@pytest.fixture
def s3_stack(aws_env: Any, tmp_path: Path) -> tuple[Path, S3Backend]:
    bucket = f"tfstate-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=aws_env.endpoint).create_bucket(Bucket=bucket)
    backend = S3Backend(endpoint=aws_env.endpoint, bucket=bucket, key="app/terraform.tfstate")
    return tmp_path, backend


CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


@pytest.mark.moto
@pytest.mark.slow
def test_s3_backend_apply_and_concurrent_lock(
    s3_stack: tuple[Path, S3Backend], make_runner: Callable[..., TerraformRunner], aws_env: Any
) -> None:
    root, backend = s3_stack
    work = write_stack(root, "remote", [Res("a", sleep=6)], outputs={"id": "terraform_data.a.id"}, backend=backend)
    first = make_runner(work, env=CREDS, data_dir=root / "d1")
    second = make_runner(work, env=CREDS, data_dir=root / "d2")
    first.init()
    second.init()
    plan = first.plan(root / "p1.tfplan")
    started = threading.Event()
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            first.apply(plan.plan_file, on_event=lambda e: e.type == "apply_start" and started.set())
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=apply)
    t.start()
    assert started.wait(30)
    with pytest.raises(TerraformError) as info:
        second.plan(root / "p2.tfplan")
    t.join(60)
    assert not errors, errors
    err = info.value
    assert err.classification.kind == "state_lock"
    assert err.category == Category.STATE
    lock = err.data["lock"]
    assert lock["operation"] == "OperationTypeApply"
    assert lock["who"] and lock["who"] in err.classification.explanation
    assert f"strands force-unlock {lock['id']}" in (err.hint or "")

    s3 = boto3.client("s3", endpoint_url=aws_env.endpoint)
    body = json.loads(s3.get_object(Bucket=backend.bucket, Key=backend.key)["Body"].read())
    assert state_resource_names(body) == {"a"}
    # the lock is released after the apply
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=backend.bucket).get("Contents", [])]
    assert keys == [backend.key]
    assert not second.plan(root / "p3.tfplan").has_changes


@pytest.mark.moto
def test_s3_planted_lock_then_force_unlock(
    s3_stack: tuple[Path, S3Backend], make_runner: Callable[..., TerraformRunner], aws_env: Any
) -> None:
    root, backend = s3_stack
    work = write_stack(root, "planted", [Res("a")], backend=backend)
    r = make_runner(work, env=CREDS)
    r.init()
    lock_id = str(uuid.uuid4())
    holder = {
        "ID": lock_id,
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "carol@laptop",
        "Version": "1.15.5",
        "Created": "2026-01-02T03:04:05Z",
        "Path": f"{backend.bucket}/{backend.key}",
    }
    s3 = boto3.client("s3", endpoint_url=aws_env.endpoint)
    s3.put_object(Bucket=backend.bucket, Key=f"{backend.key}.tflock", Body=json.dumps(holder).encode())
    with pytest.raises(TerraformError) as info:
        r.plan(root / "p.tfplan")
    err = info.value
    assert err.classification.kind == "state_lock"
    assert err.data["lock"]["id"] == lock_id
    assert "carol@laptop" in err.classification.explanation
    assert "2026-01-02 03:04:05" in err.classification.explanation

    r.force_unlock(lock_id)
    assert r.plan(root / "p.tfplan").has_changes


@pytest.mark.moto
def test_s3_backend_missing_bucket_is_classified(
    s3_stack: tuple[Path, S3Backend], make_runner: Callable[..., TerraformRunner], aws_env: Any
) -> None:
    root, _ = s3_stack
    work = write_stack(
        root, "nobucket", [Res("a")], backend=S3Backend(aws_env.endpoint, bucket="does-not-exist-" + uuid.uuid4().hex)
    )
    r = make_runner(work, env=CREDS)
    with pytest.raises(TerraformError) as info:
        r.init()
        r.plan(root / "p.tfplan")
    err = info.value
    assert err.command == "init"
    assert err.classification.kind == "state_bucket"  # not an AWS not_found: the backend's own bucket
    assert err.category == Category.NOT_FOUND
    assert "state does not exist" in err.classification.explanation
    assert "state.bucket" in (err.hint or "")
    assert any("NoSuchBucket" in d.summary for d in err.diagnostics), "the original diagnostics are kept"


def test_stale_plan_is_refused_and_classified(tmp_path: Path, make_runner: Callable[..., TerraformRunner]) -> None:
    r = make_runner(write_stack(tmp_path, "stale", [Res("a")]))
    r.init()
    first = r.plan(tmp_path / "first.tfplan")
    second = r.plan(tmp_path / "second.tfplan")
    r.apply(first.plan_file)
    with pytest.raises(TerraformError) as info:
        r.apply(second.plan_file)
    assert info.value.classification.kind == "stale_plan"
    assert info.value.category == Category.STATE
    assert state_resource_names(read_local_state(r.workdir)) == {"a"}
