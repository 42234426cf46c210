"""Fixtures for the emulator provider: the schema it serves, an installed mirror, Terraform projects."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from strands_tf.emulator import mirror
from strands_tf.emulator.provider.schema import DEFAULT_SCHEMA_PATH, SCHEMA_ENV

from .tfrun import Terraform

STACKS = Path(__file__).parent / "stacks"
SERVICES = ("s3", "sts", "iam", "lambda", "dynamodb", "sqs", "sns", "logs", "kms", "apigatewayv2", "cloudwatch")


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
) -> Callable[[str], Terraform]:
    """Write ``main.tf`` (provider block + given HCL) and return the embedded engine for that directory."""

    def make(hcl: str, *, provider_extra: str = "", stacks: tuple[str, ...] = ()) -> Terraform:
        hcl += "".join((STACKS / name).read_text() for name in stacks)
        work = tmp_path / "stack"
        work.mkdir(exist_ok=True)
        (work / "main.tf").write_text(provider_block(moto_server.endpoint, provider_extra) + "\n" + hcl)
        mirror.write_lock_file(work, installed_mirror)
        env = installed_mirror.env(tmp_path / "tfdata")
        env[SCHEMA_ENV] = str(schema_file)
        return Terraform(work, env)

    return make
