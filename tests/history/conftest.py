"""Fixtures for history tests: real deployments (embedded engine), moto S3, a fresh AWS session factory."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from strands_tf.aws import session as session_module
from strands_tf.aws.retry import ClientSettings
from strands_tf.aws.session import AwsSessionFactory
from strands_tf.terraform.engine import discover_engine
from tests.conftest import MotoServer
from tests.history.world import World, deploy, write_project


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> World:
    """One project with two real deployments, made once per session (tests work on copies)."""
    root = write_project(tmp_path_factory.mktemp("history-world"))
    engine = discover_engine(prefer="embedded")
    first = deploy(root, engine, 1).name
    second = deploy(root, engine, 2).name
    return World(root, first, second)


@pytest.fixture
def world(world_template: World, tmp_path: Path) -> World:
    """A private copy of the deployed project."""
    return world_template.copy_to(tmp_path / "project")


@pytest.fixture
def factory(aws_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsSessionFactory]:
    """A session factory with few retries, also installed as the process default (the CLI uses that)."""
    made = AwsSessionFactory(ClientSettings(max_attempts=2, connect_timeout=1, read_timeout=20))
    monkeypatch.setattr(session_module, "_default", made)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def bucket_name() -> str:
    """A bucket name no other test uses (one moto server serves the whole session)."""
    return f"hist-{uuid.uuid4().hex[:12]}"
