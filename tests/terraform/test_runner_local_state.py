"""`state_pull` of a `local` backend reads the state file itself: the same document `terraform state pull`
prints, without starting the engine; anything it cannot vouch for is left to Terraform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.deploy.executor import read_manifest
from strands_tf.errors import StrandsError
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.runner import TerraformRunner
from tests.helpers.deployments import context, deploy, write_layout
from tests.helpers.tfstacks import Res

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


@pytest.fixture
def applied(tmp_path: Path, engine: Engine) -> TerraformRunner:
    """A runner of an applied stack with a `local` backend (as strands generates them), initialized."""
    out = write_layout(tmp_path, {"app": ([Res("a"), Res("b", input={"k": "v"})], ())})
    _store, result = deploy(tmp_path, engine, out)
    assert result.ok, result.errors
    return context(tmp_path, engine).runner(read_manifest(out)[0])


def _pulled_by_terraform(runner: TerraformRunner) -> dict[str, Any]:
    done = runner.run(["state", "pull"], capture_stdout=True)
    return json.loads(done.stdout or b"")


def test_the_state_file_is_read_without_the_engine_and_equals_state_pull(
    applied: TerraformRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _pulled_by_terraform(applied)
    assert applied.local_state_file() is not None

    def no_engine(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the engine was started")

    monkeypatch.setattr(applied, "run", no_engine)
    assert applied.state_pull() == expected


def test_no_state_file_yet_is_no_state(applied: TerraformRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = applied.local_state_file()
    assert state_file is not None
    state_file.unlink()
    assert applied.state_pull() is None


def test_hcl_files_another_workspace_or_a_changed_backend_are_left_to_terraform(applied: TerraformRunner) -> None:
    expected = _pulled_by_terraform(applied)
    config = applied.workdir / "cdk.tf.json"
    original = config.read_text()

    (applied.workdir / "extra.tf").write_text("# HCL may declare its own backend\n")
    assert applied.local_state_file() is None
    assert applied.state_pull() == expected, "Terraform reads it instead"
    (applied.workdir / "extra.tf").unlink()

    assert applied.local_state_file(env={"TF_WORKSPACE": "other"}) is None

    doc = json.loads(original)
    doc["terraform"]["backend"]["local"]["path"] = "elsewhere.tfstate"
    config.write_text(json.dumps(doc))
    assert applied.local_state_file() is None, "not the backend the data directory was initialized with"
    config.write_text(original)

    (applied.data_dir / "environment").write_text("staging")
    assert applied.local_state_file() is None
    (applied.data_dir / "environment").unlink()
    assert applied.local_state_file() is not None


def test_a_damaged_state_file_is_left_to_terraform(applied: TerraformRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = applied.local_state_file()
    assert state_file is not None
    state_file.write_text('{"version": 4, "resources": [')
    calls: list[list[str]] = []
    original = applied.run

    def recording(args: Any, **kw: Any) -> Any:
        calls.append(list(args))
        return original(args, **kw)

    monkeypatch.setattr(applied, "run", recording)
    with pytest.raises(StrandsError):  # Terraform's own error about the file
        applied.state_pull()
    assert calls == [["state", "pull"]]
