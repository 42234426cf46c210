"""Fixtures for the emulator provider: the schema it serves, an installed mirror, Terraform projects."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strands_tf.emulator import mirror
from strands_tf.emulator.provider.reattach import ReattachedProvider
from strands_tf.emulator.provider.schema import DEFAULT_SCHEMA_PATH, SCHEMA_ENV

from .tfrun import Terraform

STACKS = Path(__file__).parent / "stacks"
SERVICES = ("s3", "sts", "iam", "lambda", "dynamodb", "sqs", "sns", "logs", "kms", "apigatewayv2", "cloudwatch", "ec2")


@pytest.fixture(scope="session")
def schema_file() -> Path:
    """The packaged schema of the real provider (strands_tf/schema/aws_provider_schema.json)."""
    return DEFAULT_SCHEMA_PATH


@pytest.fixture(scope="session")
def installed_mirror(tmp_path_factory: pytest.TempPathFactory, schema_file: Path) -> Iterator[mirror.MirrorInstall]:
    """The emulator provider installed once per session into a private cache dir."""
    mp = pytest.MonkeyPatch()
    mp.setenv(SCHEMA_ENV, str(schema_file))
    try:
        yield mirror.install(tmp_path_factory.mktemp("emulator-cache"))
    finally:
        mp.undo()


def provider_block(endpoint: str, extra: str = "") -> str:
    """The provider block a user writes to point hashicorp/aws at an emulator."""
    endpoints = "\n".join(f'    {s} = "{endpoint}"' for s in SERVICES)
    return (
        textwrap.dedent(
            """\
        terraform {
          required_providers {
            aws = { source = "hashicorp/aws", version = "~> 6.0" }
          }
        }
        provider "aws" {
          region                      = "us-east-1"
          access_key                  = "test"
          secret_key                  = "test"
          skip_credentials_validation = true
          skip_requesting_account_id  = true
          skip_metadata_api_check     = true
          s3_use_path_style           = true
        """
        )
        + f"  endpoints {{\n{endpoints}\n  }}\n{extra}}}\n"
    )


@pytest.fixture
def tf_project(
    tmp_path: Path, installed_mirror: mirror.MirrorInstall, moto_server, schema_file: Path
) -> Iterator[Callable[..., Terraform]]:
    """Write ``main.tf`` (provider block + given HCL) and return the embedded engine for that directory."""

    def make(hcl: str, *, provider_extra: str = "", stacks: tuple[str, ...] = (), reattach: bool = False) -> Terraform:
        hcl += "".join((STACKS / name).read_text() for name in stacks)
        work = tmp_path / "stack"
        work.mkdir(exist_ok=True)
        (work / "main.tf").write_text(provider_block(moto_server.endpoint, provider_extra) + "\n" + hcl)
        if reattach:
            # one unmanaged provider process for the whole test: no mirror, no lock file, fewer starts
            provider = ReattachedProvider(work, extra_env={SCHEMA_ENV: str(schema_file)})
            started.append(provider)
            cli_config = tmp_path / "empty.tfrc"
            cli_config.write_text("")
            env = {**provider.start(), "TF_DATA_DIR": str(tmp_path / "tfdata"), "TF_CLI_CONFIG_FILE": str(cli_config)}
            return Terraform(work, env, lockfile_readonly=False)
        mirror.write_lock_file(work, installed_mirror)
        env = installed_mirror.env(tmp_path / "tfdata")
        env[SCHEMA_ENV] = str(schema_file)
        return Terraform(work, env)

    started: list[ReattachedProvider] = []
    yield make
    for provider in started:
        provider.stop()
