"""StateManager: atomic locked writes from several processes, queries, bad state files."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from strands_tf.errors import NotFoundError, StateError, UserError
from strands_tf.state.manager import StateManager
from strands_tf.state.models import OutputRecord, ResourceRecord, StackState, StateFile
from strands_tf.terraform.tfstate import load_tfstate


def _rec(lid: str, cfn: str, tf: str, path: str, deps: list[str] | None = None) -> ResourceRecord:
    return ResourceRecord(
        logical_id=lid,
        cfn_type=cfn,
        tf_type=tf,
        tf_address=f"{tf}.{lid}",
        construct_path=path,
        dependencies=deps or [],
    )


def _stack(name: str = "app-dev") -> StackState:
    recs = [
        _rec("Role", "AWS::IAM::Role", "aws_iam_role", f"{name}/Role"),
        _rec("Logs", "AWS::Logs::LogGroup", "aws_cloudwatch_log_group", f"{name}/agent_support/logs"),
        _rec("Fn", "AWS::Lambda::Function", "aws_lambda_function", f"{name}/agent_support/fn", ["Role", "Logs"]),
        _rec("Perm", "AWS::Lambda::Permission", "aws_lambda_permission", f"{name}/agent_support/perm", ["Fn"]),
        _rec("Api", "AWS::ApiGatewayV2::Api", "aws_apigatewayv2_api", f"{name}/api/http"),
        _rec("Route", "AWS::ApiGatewayV2::Route", "aws_apigatewayv2_route", f"{name}/api/route", ["Api", "Perm"]),
    ]
    recs[2].tf_address = "module.agent_support.aws_lambda_function.this"
    return StackState(
        stack_name=name,
        tfstate_serial=7,
        tfstate_lineage="l-1",
        mapped_at=datetime.now(UTC).isoformat(),
        resources={r.logical_id: r for r in recs},
        outputs={"url": OutputRecord(value="https://x"), "key": OutputRecord(value="(sensitive)", sensitive=True)},
    )


def test_empty_then_put_and_files_written(tmp_path: Path) -> None:
    mgr = StateManager(tmp_path, "dev")
    assert mgr.load().stacks == {}
    mgr.put_stack(_stack(), project="demo")
    doc = json.loads(mgr.path.read_text())
    assert doc["format_version"] == 1 and doc["environment"] == "dev" and doc["project"] == "demo"
    assert set(doc["stacks"]["app-dev"]["resources"]) == {"Role", "Logs", "Fn", "Perm", "Api", "Route"}
    assert json.loads(mgr.outputs_path.read_text()) == {"app-dev": {"key": "(sensitive)", "url": "https://x"}}
    assert mgr.path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in mgr.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_queries(tmp_path: Path) -> None:
    mgr = StateManager(tmp_path, "dev")
    mgr.put_stack(_stack())
    assert [v.record.logical_id for v in mgr.list_resources(type="AWS::Lambda::Function")] == ["Fn"]
    assert [v.record.logical_id for v in mgr.list_resources(type="aws_iam_role")] == ["Role"]
    assert {v.record.logical_id for v in mgr.list_resources(agent="agent_support")} == {"Logs", "Fn", "Perm"}
    assert {v.record.logical_id for v in mgr.list_resources(agent="app-dev/api")} == {"Api", "Route"}
    assert mgr.list_resources(stack="other") == []
    assert mgr.describe("Fn").record.cfn_type == "AWS::Lambda::Function"
    assert mgr.describe("module.agent_support.aws_lambda_function.this").record.logical_id == "Fn"
    assert mgr.describe("app-dev/Fn").stack == "app-dev"
    assert [v.record.logical_id for v in mgr.dependencies("Route", transitive=False)] == ["Api", "Perm"]
    assert [v.record.logical_id for v in mgr.dependencies("Route")] == ["Api", "Perm", "Fn", "Logs", "Role"]
    assert [v.record.logical_id for v in mgr.dependents("Role")] == ["Fn", "Perm", "Route"]
    assert [v.record.logical_id for v in mgr.dependents("Role", transitive=False)] == ["Fn"]
    assert mgr.outputs("app-dev") == {"app-dev": {"key": "(sensitive)", "url": "https://x"}}
    assert mgr.describe("Fn").to_json()["stack"] == "app-dev"


def test_describe_errors_suggest_and_disambiguate(tmp_path: Path) -> None:
    mgr = StateManager(tmp_path, "dev")
    mgr.put_stack(_stack("a"))
    mgr.put_stack(_stack("b"))
    with pytest.raises(NotFoundError, match="no resource 'Fnn'") as exc:
        mgr.describe("Fnn")
    assert "Fn" in (exc.value.hint or "")
    with pytest.raises(UserError, match="several stacks"):
        mgr.describe("Fn")
    assert mgr.describe("b/Fn").stack == "b"
    with pytest.raises(NotFoundError):
        mgr.outputs("zzz")


def test_remove_and_save(tmp_path: Path) -> None:
    mgr = StateManager(tmp_path, "dev")
    mgr.put_stack(_stack("a"))
    mgr.put_stack(_stack("b"))
    mgr.remove_stack("a")
    assert set(mgr.load().stacks) == {"b"}
    mgr.save(StateFile(environment="dev", stacks={"c": _stack("c")}))
    assert set(mgr.load().stacks) == {"c"}
    with pytest.raises(UserError):
        mgr.save(StateFile(environment="prod"))


def test_bad_environment_name(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="invalid environment"):
        StateManager(tmp_path, "../etc")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ('{"format_version": 1, "environment": "dev", "stacks": [', "not valid JSON"),
        ('{"format_version": 9, "environment": "dev"}', "newer than this strands-tf reads"),
        ('{"format_version": 1, "stacks": {}}', "not a strands state file"),
        ("[]", "not a strands state file"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_corrupt_state_file_is_a_clear_error(tmp_path: Path, content: str, pattern: str) -> None:
    mgr = StateManager(tmp_path, "dev")
    mgr.path.parent.mkdir(parents=True)
    mgr.path.write_text(content)
    with pytest.raises(StateError, match=pattern):
        mgr.load()


def test_lock_timeout_is_a_state_error(tmp_path: Path) -> None:
    from filelock import FileLock

    mgr = StateManager(tmp_path, "dev", lock_timeout=0.2)
    mgr.path.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from filelock import FileLock\nimport sys,time\nl=FileLock({str(mgr.path) + '.lock'!r})\n"
            "l.acquire()\nprint('held', flush=True)\ntime.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StateError, match="could not lock the state file"):
            mgr.put_stack(_stack())
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert FileLock(str(mgr.path) + ".lock", timeout=5).acquire()


WRITER = """
import sys
from datetime import UTC, datetime
from strands_tf.state.manager import StateManager
from strands_tf.state.models import ResourceRecord, StackState
root, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
mgr = StateManager(root, "dev")
for i in range(rounds):
    recs = {f"R{j}": ResourceRecord(logical_id=f"R{j}", cfn_type="AWS::SQS::Queue", tf_type="aws_sqs_queue",
            tf_address=f"aws_sqs_queue.R{j}", construct_path=f"{name}/R{j}", attributes={"pad": "x" * 2000})
            for j in range(50)}
    mgr.put_stack(StackState(stack_name=name, tfstate_serial=i, mapped_at=datetime.now(UTC).isoformat(),
                             resources=recs))
"""

READER = """
import json, sys, time
from pathlib import Path
p = Path(sys.argv[1]) / ".strands" / "state" / "dev.json"
deadline = time.time() + 60
reads = 0
while time.time() < deadline:
    if Path(sys.argv[2]).exists():
        break
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        continue
    json.loads(data)  # a torn write would fail here
    reads += 1
print(reads)
"""


def test_two_processes_writing_keep_both_stacks_and_readers_never_see_a_torn_file(tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(tmp_path), str(stop)], stdout=subprocess.PIPE)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name, "25"], stderr=subprocess.PIPE)
        for name in ("stack-a", "stack-b")
    ]
    for w in writers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()
    stop.write_text("")
    out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0
    assert int(out) > 0
    state = StateManager(tmp_path, "dev").load()
    assert set(state.stacks) == {"stack-a", "stack-b"}
    assert state.stacks["stack-a"].tfstate_serial == 24 and state.stacks["stack-b"].tfstate_serial == 24
    assert json.loads((tmp_path / ".strands/state/dev.outputs.json").read_text()) == {"stack-a": {}, "stack-b": {}}


def test_record_apply_maps_and_never_goes_back(
    tmp_path: Path, shared_fixtures: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tfstate = load_tfstate(shared_fixtures / "state" / "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json")
    mgr = StateManager(tmp_path, "dev")
    stack = mgr.record_apply("net", tfstate, project="demo")
    assert stack.tfstate_serial == 575
    assert {v.record.tf_type for v in mgr.list_resources(type="AWS::EC2::Subnet")} == {"aws_subnet"}
    older = load_tfstate(shared_fixtures / "state" / "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json")
    older.serial = 500
    kept = mgr.record_apply("net", older)
    assert kept.tfstate_serial == 575 and mgr.load().stacks["net"].tfstate_serial == 575
    assert "newer" in caplog.text
    older.lineage = "another-lineage"
    assert mgr.record_apply("net", older).tfstate_serial == 500  # a new lineage (state recreated) wins


def test_threads_sharing_one_manager_keep_every_stack(tmp_path: Path) -> None:
    mgr = StateManager(tmp_path, "dev")
    names = [f"s{i}" for i in range(8)]
    threads = [threading.Thread(target=mgr.put_stack, args=(_stack(n),)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(StateManager(tmp_path, "dev").load().stacks) == set(names)
