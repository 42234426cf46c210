"""What every resource and data source handler provides, and helpers shared by them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from strands_tf.emulator.provider.aws import AwsContext
from strands_tf.emulator.provider.documents import json_equivalent, policies_equivalent
from strands_tf.emulator.provider.values import Unknown

State = dict[str, Any]


class ProviderFailure(Exception):
    """An operation failed; the message is shown to the user as a Terraform diagnostic."""

    def __init__(self, summary: str, detail: str = "", partial_state: State | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.partial_state = partial_state


def error_code(exc: ClientError) -> str:
    """The AWS error code of a botocore error."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_not_found(exc: Exception, *codes: str) -> bool:
    """True if a botocore error means the resource does not exist."""
    if not isinstance(exc, ClientError):
        return False
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in codes or code.endswith("NotFound") or code.endswith("NotFoundException") or status == 404


def first(value: Any) -> dict[str, Any]:
    """The only element of a max_items=1 block, or {}."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}


def known(value: Any) -> bool:
    """Not null and not unknown."""
    return value is not None and value is not Unknown


class ResourceHandler(ABC):
    """CRUD for one resource type. States are dicts keyed by schema attribute/block names."""

    type_name: ClassVar[str]
    # attributes whose change forces a new resource (RequiresReplace)
    force_new: ClassVar[frozenset[str]] = frozenset()
    # attributes holding JSON documents (not policies): equal after parsing means no diff, prior string kept
    json_attrs: ClassVar[frozenset[str]] = frozenset()
    # attributes holding IAM policy documents: equivalent policies mean no diff, prior string kept
    policy_attrs: ClassVar[frozenset[str]] = frozenset()
    # SDK defaults planned for optional attributes left null in the configuration
    defaults: ClassVar[dict[str, Any]] = {}
    # computed attributes that become unknown whenever an update changes anything
    unknown_on_update: ClassVar[frozenset[str]] = frozenset()
    # optional+computed nested blocks: an absent block keeps the value the provider read
    computed_blocks: ClassVar[frozenset[str]] = frozenset()
    # optional attributes whose service-side default the real provider suppresses in diffs when unset
    keep_prior_when_unset: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, aws: AwsContext) -> None:
        self.aws = aws

    @classmethod
    def document_attrs(cls) -> frozenset[str]:
        """Attributes holding JSON documents of either kind."""
        return cls.json_attrs | cls.policy_attrs

    @classmethod
    def equivalent(cls, name: str, a: Any, b: Any) -> bool:
        """Whether two values of attribute `name` mean the same (documents compared as the real provider does)."""
        if name in cls.policy_attrs:
            return policies_equivalent(a, b)
        if name in cls.json_attrs:
            return json_equivalent(a, b)
        return bool(a == b)

    def plan(self, prior: State | None, planned: State, config: State) -> None:  # noqa: B027 - optional hook
        """Adjust the planned state in place (known computed values, provider-side defaults); most types need none."""

    @abstractmethod
    def create(self, planned: State, config: State) -> State:
        """Create the resource; return its full state."""

    @abstractmethod
    def read(self, state: State) -> State | None:
        """Return the resource as the emulator has it now, or None if it is gone."""

    @abstractmethod
    def update(self, prior: State, planned: State, config: State) -> State:
        """Change the resource in place; return its full state."""

    @abstractmethod
    def delete(self, state: State) -> None:
        """Delete the resource (gone already is fine)."""

    def import_state(self, import_id: str) -> State:
        """The minimal state that lets ``read`` find an existing resource."""
        return {"id": import_id}


class DataSourceHandler(ABC):
    """Read-only lookup for one data source type."""

    type_name: ClassVar[str]

    def __init__(self, aws: AwsContext) -> None:
        self.aws = aws

    @abstractmethod
    def read(self, config: State) -> State:
        """Return the data source's state for a configuration."""
