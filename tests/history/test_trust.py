"""The rollback trust check: strands' own stacks pass; every way a changed record could run code is refused."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.generators.synth import synthesize
from strands_tf.history.trust import UntrustedStacksError, check_recorded_stacks, find_refusal

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "config" / "data" / "sample"


def synthesized(tmp_path: Path, source: Path, environment: str, stacks: str | None = None) -> tuple[Path, Any, Path]:
    """A project copy synthesized where strands puts its build: (cdktf.out, resolved, project root)."""
    root = tmp_path / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    if stacks:
        config = root / "strands.yaml"
        config.write_text(config.read_text() + f"\nstacks: {stacks}\n")
    loaded = load_project(root, env={})
    resolved = resolve(loaded, environment, environ={})
    out = root / ".strands" / "build" / environment / "cdktf.out"
    synthesize(loaded, resolved, out, packager=None)
    return out, resolved, root


@pytest.mark.parametrize(
    ("source", "environment", "stacks"),
    [
        (SAMPLE, "dev", None),
        (SAMPLE, "local", None),
        (SAMPLE, "prod", None),
        (SAMPLE, "dev", "per_agent"),
        (REPO / "examples" / "ticket-triage", "local", None),
    ],
    ids=["sample-dev", "sample-local", "sample-prod", "sample-per-agent", "ticket-triage-local"],
)
def test_what_strands_generates_passes(tmp_path: Path, source: Path, environment: str, stacks: str | None) -> None:
    out, resolved, root = synthesized(tmp_path, source, environment, stacks)
    assert find_refusal(out, resolved, root) is None


def _first_stack(out: Path) -> Path:
    manifest = json.loads((out / "manifest.json").read_text())
    return out / "stacks" / next(iter(manifest["stacks"]))


def _edit(out: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = _first_stack(out) / "cdk.tf.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _module(doc: dict[str, Any], name: str = "agent_support") -> dict[str, Any]:
    return doc["module"][name]


def _planted_provisioner(doc: dict[str, Any]) -> None:
    doc["resource"] = {
        "terraform_data": {"x": {"input": "a", "provisioner": [{"local-exec": {"command": "touch /tmp/pwned"}}]}}
    }


def _provisioner_on_a_module_call(doc: dict[str, Any]) -> None:
    # a provisioner can hide in any block Terraform accepts it in: found wherever it is
    _module(doc)["provisioner"] = [{"local-exec": {"command": "id"}}]


def _remote_state_elsewhere(doc: dict[str, Any]) -> None:
    doc["data"]["terraform_remote_state"] = {"x": {"backend": "local", "config": {"path": "/home/op/other.tfstate"}}}


EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "local-exec in terraform_data": (_planted_provisioner, "resource.terraform_data.x", "provisioner"),
    "provisioner on a module call": (_provisioner_on_a_module_call, "module.agent_support", "provisioner"),
    "connection block": (
        lambda d: (
            d.setdefault("resource", {})
            .setdefault("terraform_data", {})
            .update({"y": {"input": "a", "connection": [{"host": "evil.example"}]}})
        ),
        "resource.terraform_data.y",
        "connection",
    ),
    "null_resource": (lambda d: d.update(resource={"null_resource": {"x": {}}}), "resource.null_resource", "modules"),
    "aws resource outside modules": (
        lambda d: d.update(resource={"aws_iam_access_key": {"k": {"user": "admin"}}}),
        "resource.aws_iam_access_key",
        "modules",
    ),
    "external data source": (
        lambda d: d["data"].update(external={"x": {"program": ["sh", "-c", "id"]}}),
        "data.external",
        "never reads",
    ),
    "http data source": (lambda d: d["data"].update(http={"x": {"url": "https://evil"}}), "data.http", "never reads"),
    "lambda invocation at plan time": (
        lambda d: d["data"].update(aws_lambda_invocation={"x": {"function_name": "f", "input": "{}"}}),
        "data.aws_lambda_invocation",
        "never reads",
    ),
    "remote state elsewhere": (_remote_state_elsewhere, "data.terraform_remote_state.x", "other than"),
    "other provider": (
        lambda d: d["provider"].update(null=[{}]),
        "provider.null",
        "only the aws provider",
    ),
    "provider reads a planted config file": (
        lambda d: d["provider"]["aws"][0].update(shared_config_files=["./evil.ini"]),
        "provider.aws.shared_config_files",
        "never generates",
    ),
    "provider through a proxy": (
        lambda d: d["provider"]["aws"][0].update(http_proxy="http://evil:8080"),
        "provider.aws.http_proxy",
        "never generates",
    ),
    "provider in another region": (
        lambda d: d["provider"]["aws"][0].update(region="ap-south-1"),
        "provider.aws.region",
        "differs",
    ),
    "required provider": (
        lambda d: d["terraform"]["required_providers"].update(external={"source": "hashicorp/external"}),
        "terraform.required_providers.external",
        "hashicorp/aws",
    ),
    "backend elsewhere": (
        lambda d: d["terraform"].update(backend={"local": {"path": "/tmp/elsewhere.tfstate"}}),
        "terraform backend",
        "not the environment's",
    ),
    "registry module": (
        lambda d: _module(d).update(source="evil/module/aws", version="1.0.0"),
        "module.agent_support",
        "not a module bundled",
    ),
    "module from a git url": (
        lambda d: _module(d).update(source="git::https://evil/x.git"),
        "module.agent_support",
        "not a module bundled",
    ),
    "file() into an environment variable": (
        lambda d: _module(d)["environment_variables"].update(K='${file("~/.aws/credentials")}'),
        "module.agent_support.environment_variables.K",
        "file()",
    ),
    "nonsensitive output": (
        lambda d: d["output"].update(leak={"value": "${nonsensitive(module.x.y)}"}),
        "output.leak.value",
        "nonsensitive()",
    ),
    "agent zip from outside the stack": (
        lambda d: _module(d).update(filename="/home/op/.ssh/id_rsa"),
        "module.agent_support.filename",
        "assets",
    ),
    "check block": (lambda d: d.update(check={"c": {}}), "check", "never generates"),
    "import block": (lambda d: d.update(**{"import": [{"to": "module.x.y", "id": "prod"}]}), "import", "never"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Path]:
    return synthesized(tmp_path_factory.mktemp("trust"), SAMPLE, "dev")


def _copy(pristine: tuple[Path, Any, Path], tmp_path: Path) -> tuple[Path, Any, Path]:
    root = pristine[2]
    target = tmp_path / "project"
    shutil.copytree(root, target)
    # resolve() pins the root; the copy is checked against its own location
    loaded = load_project(target, env={})
    return target / ".strands" / "build" / "dev" / "cdktf.out", resolve(loaded, "dev", environ={}), target


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_changed_document_is_refused_with_stack_and_block(
    name: str, pristine: tuple[Path, Any, Path], tmp_path: Path
) -> None:
    out, resolved, root = _copy(pristine, tmp_path)
    change, block, reason = EDITS[name]
    _edit(out, change)
    with pytest.raises(UntrustedStacksError) as caught:
        check_recorded_stacks(out, resolved, root, source="record R1")
    error = caught.value
    assert error.refusal.stack == _first_stack(out).name
    assert error.refusal.block == block, error.summary
    assert reason in error.refusal.reason, error.summary
    assert error.exit_code == 1
    assert "record R1" in error.summary and block in error.summary


def test_extra_terraform_files_in_a_stack_are_refused(pristine: tuple[Path, Any, Path], tmp_path: Path) -> None:
    for planted in ("evil.tf", "override.tf.json", "terraform.tfvars", "x.auto.tfvars.json"):
        out, resolved, root = _copy(pristine, tmp_path / planted)
        (_first_stack(out) / planted).write_text("{}")
        refusal = find_refusal(out, resolved, root)
        assert refusal is not None and refusal.block == planted


def test_vendored_modules_must_be_the_bundled_files(pristine: tuple[Path, Any, Path], tmp_path: Path) -> None:
    cases = {
        "changed": lambda m: (m / "main.tf").write_text((m / "main.tf").read_text() + "\n# edited\n"),
        "extra": lambda m: (m / "evil.tf").write_text('resource "terraform_data" "x" {}\n'),
        "missing": lambda m: (m / "outputs.tf").unlink(),
    }
    for name, change in cases.items():
        out, resolved, root = _copy(pristine, tmp_path / name)
        change(_first_stack(out) / "modules" / "strands-agent")
        refusal = find_refusal(out, resolved, root)
        assert refusal is not None, name
        assert refusal.block.startswith("modules/strands-agent/"), refusal
    out, resolved, root = _copy(pristine, tmp_path / "unknown")
    shutil.copytree(_first_stack(out) / "modules" / "sqs-queue", _first_stack(out) / "modules" / "evil")
    assert find_refusal(out, resolved, root).block == "modules/evil"  # type: ignore[union-attr]


def test_manifest_paths_and_links_are_refused(pristine: tuple[Path, Any, Path], tmp_path: Path) -> None:
    out, resolved, root = _copy(pristine, tmp_path / "workdir")
    manifest = json.loads((out / "manifest.json").read_text())
    name = next(iter(manifest["stacks"]))
    manifest["stacks"][name]["workingDirectory"] = "../../.."
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "workingDirectory" in find_refusal(out, resolved, root).block  # type: ignore[union-attr]

    out, resolved, root = _copy(pristine, tmp_path / "link")
    assets = _first_stack(out) / "assets"
    assets.mkdir(exist_ok=True)
    os.symlink("/etc/passwd", assets / "code.zip")
    assert find_refusal(out, resolved, root).reason == "is a symbolic link"  # type: ignore[union-attr]

    out, resolved, root = _copy(pristine, tmp_path / "broken")
    (out / "manifest.json").write_text("{not json")
    assert find_refusal(out, resolved, root).block == "cdktf.out"  # type: ignore[union-attr]


def test_stacks_of_another_environment_are_refused(pristine: tuple[Path, Any, Path], tmp_path: Path) -> None:
    out, _resolved, root = _copy(pristine, tmp_path)
    prod = resolve(load_project(root, env={}), "prod", environ={})
    refusal = find_refusal(out, prod, root)
    assert refusal is not None and refusal.block.startswith(("provider.aws", "terraform backend"))


def test_deployment_copies_with_assets_linked_into_the_object_store_pass_and_a_swapped_in_link_is_refused(
    pristine: tuple[Path, Any, Path], tmp_path: Path
) -> None:
    from strands_tf.deploy.executor import read_manifest, start_deployment
    from strands_tf.deploy.workspace import Workspace

    out, resolved, root = _copy(pristine, tmp_path)
    stack_dir = _first_stack(out)
    (stack_dir / "assets").mkdir(exist_ok=True)
    (stack_dir / "assets" / "code.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    workspace = Workspace(root)
    copies = []
    for deployment_id in ("20261125T150102Z-aaaaaa", "20261125T150103Z-bbbbbb"):
        store = start_deployment(workspace, deployment_id, "apply", "demo", "dev", read_manifest(out), out)
        copies.append(store.dir / "cdktf.out")
    linked = [c / "stacks" / stack_dir.name / "assets" / "code.zip" for c in copies]
    # deduplicated: both copies are hard links to one read-only stored object
    assert linked[0].stat().st_ino == linked[1].stat().st_ino and linked[0].stat().st_nlink == 3
    for copy in copies:
        assert find_refusal(copy, resolved, root) is None
    # the store does not hide what is in a copy: a link planted in place of a stored asset is seen
    linked[1].unlink()
    os.symlink("/etc/passwd", linked[1])
    refusal = find_refusal(copies[1], resolved, root)
    assert refusal is not None and refusal.reason == "is a symbolic link"
    assert find_refusal(copies[0], resolved, root) is None
