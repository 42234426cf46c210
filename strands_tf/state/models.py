"""The CDK-compatible state file (``.strands/state/<environment>.json``), format version 1.

Documented in docs/state-format.md. Readers refuse a newer ``format_version`` instead of guessing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class _Model(BaseModel):
    # Unknown keys are kept out, not errors: a later minor addition must not break older readers.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ResourceRecord(_Model):
    """One deployed resource instance, keyed in its stack by CDK-style logical id."""

    logical_id: str
    cfn_type: str
    cfn_type_derived: bool = False
    tf_type: str
    tf_address: str
    construct_path: str
    mapped: bool = True  # False when the resource has no block in the synthesized stack (e.g. imported)
    physical_id: str | None = None
    arn: str | None = None
    provider: str | None = None
    index_key: str | int | None = None
    status: str | None = None  # "tainted" when Terraform will replace it
    dependencies: list[str] = Field(default_factory=list)
    tags: dict[str, Any] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=dict)


class OutputRecord(_Model):
    """A stack output; ``value`` is "(sensitive)" when ``sensitive`` is true."""

    value: Any = None
    sensitive: bool = False
    type: Any = None


class StackState(_Model):
    """One stack: its resources and outputs, and the tfstate they were mapped from."""

    stack_name: str
    tfstate_serial: int
    tfstate_lineage: str | None = None
    terraform_version: str | None = None
    mapped_at: str
    resources: dict[str, ResourceRecord] = Field(default_factory=dict)
    outputs: dict[str, OutputRecord] = Field(default_factory=dict)


class StateFile(_Model):
    """The whole state file of one environment."""

    format_version: Literal[1] = FORMAT_VERSION
    environment: str
    project: str | None = None
    updated_at: str | None = None
    stacks: dict[str, StackState] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (stable key order)."""
        return self.model_dump(mode="json")
