"""Bad input: a clear error, exit code 1 through the CLI, and nothing half-written.

Each case first synthesizes the good sample into --out and --hcl, then breaks the project and synthesizes
again: the command must fail with a located message and no traceback, and both output directories must stay
byte-identical (no staging directories left next to them either).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from strands_tf.errors import StrandsError
from strands_tf.generators.synth import package_agents

from .conftest import SAMPLE, copy_project, run_cli, synth, tree_bytes

ARGS = ["synth", "-e", "dev", "--out", "build/cdktf.out", "--hcl", "build/infra"]


def _edit(root: Path, old: str, new: str) -> None:
    config = root / "strands.yaml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))


def missing_resource(root: Path) -> None:
    _edit(root, "{resource: attachments, access: read}", "{resource: attachment, access: read}")


def name_clash(root: Path) -> None:
    _edit(
        root, "  escalations: {type: sns}", "  escalations: {type: sns}\n  my_files: {type: s3}\n  my-files: {type: s3}"
    )


def env_var_clash(root: Path) -> None:
    _edit(
        root, "  escalations: {type: sns}", "  escalations: {type: sns}\n  in-box: {type: sqs}\n  in_box: {type: sqs}"
    )
    _edit(root, "permissions: [{resource: tickets, access: write}]",
          "permissions: [{resource: in-box, access: publish}, {resource: in_box, access: publish}]")  # fmt: skip


def dlq_clash(root: Path) -> None:
    _edit(root, "  escalations: {type: sns}", "  escalations: {type: sns}\n  support-dlq: {type: sqs}")


def missing_requirements(root: Path) -> None:
    _edit(root, "    path: agents/triage\n", "    path: agents/triage\n    requirements: requirements.txt\n")


def oversized_package(root: Path) -> None:
    # a sparse file: 260 MB to Lambda's size check, no disk blocks, refused before anything is zipped
    with open(root / "agents" / "triage" / "model.bin", "wb") as handle:
        handle.truncate(260 * 1024 * 1024)


CASES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "missing-resource": (missing_resource, ["strands.yaml:", "agents.support.permissions[1].resource",
                                            "'attachment' is not a resource or agent", "did you mean 'attachments'"]),
    "name-clash": (name_clash, ["strands.yaml:", "resources.my-files", "resource 'my-files' and resource 'my_files'",
                                "s3-bucket named 'support-desk-dev-my-files-<account-id>'"]),
    "env-var-clash": (env_var_clash, ["strands.yaml:", "agents.triage.permissions[1].resource", "IN_BOX_QUEUE_URL"]),
    "dlq-clash": (dlq_clash, ["strands.yaml:18:3 agents.support", "resource 'support-dlq'",
                              "sqs-queue named 'support-desk-dev-support-dlq'"]),
    "missing-requirements": (missing_requirements, ["strands.yaml:", "agents.triage.requirements",
                                                    "requirements file agents/triage/requirements.txt does not exist"]),
    "oversized-package": (oversized_package, ["agent 'triage' is 260.0 MB unzipped", "at most 250.0 MB",
                                              "code: model.bin"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_cleanly_and_keeps_the_previous_output(tmp_path: Path, case: str) -> None:
    breaker, messages = CASES[case]
    root = copy_project(SAMPLE, tmp_path / "sample")
    good = run_cli(ARGS, cwd=root)
    assert good.returncode == 0, good.stderr
    before = tree_bytes(root / "build")
    assert any(rel.endswith("-code.zip") for rel in before)
    breaker(root)
    result = run_cli(ARGS, cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    for message in messages:
        assert message in result.stderr, f"{message!r} not in:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    assert tree_bytes(root / "build") == before
    assert sorted(os.listdir(root / "build")) == ["cdktf.out", "infra"]


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_into_a_fresh_directory_writes_nothing(tmp_path: Path, case: str) -> None:
    breaker, _ = CASES[case]
    root = copy_project(SAMPLE, tmp_path / "sample")
    breaker(root)
    result = run_cli([*ARGS, "--json"], cwd=root)
    assert result.returncode == 1
    assert not (root / "build").exists() or os.listdir(root / "build") == []
    assert not (root / "cdktf.json").exists()


def test_oversized_package_error_lists_the_largest_items(tmp_path: Path) -> None:
    root = copy_project(SAMPLE, tmp_path / "sample")
    oversized_package(root)
    with pytest.raises(StrandsError) as info:
        synth(root, "dev", package=True)
    assert info.value.exit_code == 1
    assert "Largest packages:" in (info.value.detail or "")
    assert "code: model.bin" in (info.value.detail or "")
    assert info.value.data["agent"] == "triage"
    assert not (root / "cdktf.out").exists()


def test_a_failure_after_packaging_leaves_no_assets_or_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Interrupted mid-way (here: rendering fails after the zips were built) -> the old output stays."""
    root = copy_project(SAMPLE, tmp_path / "sample")
    synth(root, "dev", package=True, hcl=root / "infra")
    before = tree_bytes(root / "cdktf.out"), tree_bytes(root / "infra")
    calls: list[str] = []

    def packager_then_crash(*args: object) -> object:
        out = package_agents(*args)  # type: ignore[arg-type]
        calls.append("packaged")
        return out

    def broken_render(*_args: object, **_kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("strands_tf.generators.cdktf.render_manifest", broken_render)
    from strands_tf.config import load_project, resolve
    from strands_tf.generators.synth import synthesize

    loaded = load_project(root, env={})
    with pytest.raises(KeyboardInterrupt):
        synthesize(loaded, resolve(loaded, "dev", environ={}), root / "cdktf.out", packager=packager_then_crash,
                   hcl_dir=root / "infra")  # fmt: skip
    assert calls == ["packaged"]
    assert (tree_bytes(root / "cdktf.out"), tree_bytes(root / "infra")) == before
    assert [p.name for p in root.iterdir() if p.name.startswith((".cdktf.out", ".infra"))] == []


# ---------------------------------------------------------------------------------------- concurrency


def test_parallel_synths_into_one_directory_all_succeed(tmp_path: Path) -> None:
    root = copy_project(SAMPLE, tmp_path / "sample")
    args = ["synth", "-e", "dev", "--no-package", "--out", "build/cdktf.out", "--hcl", "build/infra"]
    reference = copy_project(SAMPLE, tmp_path / "reference")
    assert run_cli(args, cwd=reference).returncode == 0
    procs = [
        subprocess.Popen([sys.executable, "-m", "strands_tf.cli.main", *args], cwd=root, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    assert tree_bytes(root / "build") == tree_bytes(reference / "build")
    assert sorted(os.listdir(root / "build")) == ["cdktf.out", "infra"]


def test_swap_survives_another_synth_landing_in_between(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race of two synths, forced: another output appears between our two renames; ours still wins."""
    from strands_tf.generators import synth as synth_module

    out, staging = tmp_path / "cdktf.out", tmp_path / ".cdktf.out.staging-x"
    out.mkdir()
    (out / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    real_replace = os.replace
    raced: list[bool] = []

    def racing_replace(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if Path(src) == staging and not raced:
            raced.append(True)
            Path(dst).mkdir()
            (Path(dst) / "other.txt").write_text("other synth")
        real_replace(src, dst)

    monkeypatch.setattr(synth_module.os, "replace", racing_replace)
    synth_module._swap_into_place(staging, out)
    assert raced == [True]
    assert sorted(os.listdir(out)) == ["new.txt"]
    assert sorted(os.listdir(tmp_path)) == ["cdktf.out"]


def test_a_vpc_too_small_for_its_subnets_names_its_line(tmp_path: Path) -> None:
    root = copy_project(SAMPLE, tmp_path / "sample")
    _edit(root, "netmask_length: 20", "netmask_length: 26")
    result = run_cli(["synth", "-e", "prod", "--no-package"], cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "strands.yaml:14:5 environments.prod.vpc" in result.stderr, result.stderr
    assert "too small" in result.stderr and "Traceback" not in result.stderr
    assert not (root / "cdktf.out").exists()
