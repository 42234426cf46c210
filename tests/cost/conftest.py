"""Helpers of the cost tests: the model tests' project writer, reused."""

from tests.model.conftest import load, make_project, write_project  # noqa: F401
