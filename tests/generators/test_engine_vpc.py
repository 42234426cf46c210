"""The embedded engine reads what the generator writes for an environment with a VPC (the sample's prod).

fmt -check on the HCL export, `get` + `providers` for the export and per_agent stacks, and `terraform validate`
of every stack against the provider that serves the real hashicorp/aws schema (the emulator's, installed
from its filesystem mirror): the vpc module call and the agents' VPC inputs type-check in real Terraform.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SAMPLE, copy_project, synth
from .test_engine import AWS, SAMPLE_MODULES, _providers, _without_backend_hcl, run_engine

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("engine-vpc")
    single = copy_project(SAMPLE, base / "prod")
    synth(single, "prod", hcl=single / "infra")
    per_agent = copy_project(SAMPLE, base / "prod-per-agent")
    config = per_agent / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    synth(per_agent, "prod", hcl=per_agent / "infra")
    return {"prod": single, "per_agent": per_agent}


@pytest.mark.parametrize("case", ["prod", "per_agent"])
def test_fmt_check_passes_on_the_export_with_a_vpc(exports: dict[str, Path], case: str) -> None:
    result = run_engine(["fmt", "-check", "-recursive", "-diff", "-no-color", "."], cwd=exports[case] / "infra")
    assert result.returncode == 0, result.stdout + result.stderr


def test_export_with_a_vpc_needs_only_hashicorp_aws(exports: dict[str, Path], tmp_path: Path) -> None:
    providers, modules = _providers(_without_backend_hcl(exports["prod"] / "infra", tmp_path / "hcl"))
    assert providers == {AWS}
    assert modules == SAMPLE_MODULES | {"vpc"}


def test_per_agent_vpc_lives_in_the_shared_stack(exports: dict[str, Path], tmp_path: Path) -> None:
    infra = exports["per_agent"] / "infra"
    _, shared = _providers(_without_backend_hcl(infra / "support-desk-prod", tmp_path / "shared"))
    assert "vpc" in shared
    providers, support = _providers(_without_backend_hcl(infra / "support-desk-prod-support", tmp_path / "support"))
    assert "vpc" not in support and "terraform.io/builtin/terraform" in providers


@pytest.mark.parametrize("case", ["prod", "per_agent"])
def test_terraform_validate_passes_on_every_stack_with_a_vpc(
    exports: dict[str, Path], case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from strands_tf.deploy.emulator_target import ensure_provider
    from strands_tf.terraform.engine import discover_engine
    from strands_tf.terraform.runner import TerraformRunner

    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    install = ensure_provider()
    engine = discover_engine(prefer="embedded")
    stacks = sorted(p for p in (exports[case] / "cdktf.out" / "stacks").iterdir() if p.is_dir())
    assert len(stacks) == (1 if case == "prod" else 4)
    for stack in stacks:
        runner = TerraformRunner(engine, stack, data_dir=tmp_path / "data" / stack.name, cli_config=install.cli_config)
        runner.init(backend=False)
        outcome = runner.validate()
        assert outcome.valid, (stack.name, [d.summary for d in outcome.diagnostics])
