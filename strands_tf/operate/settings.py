"""Which strands.yaml setting a Terraform attribute comes from, and the YAML value of an attribute's value.

Drift names the setting a changed attribute belongs to (`memory` for `memory_size`), and `strands
reconcile --accept` writes the value AWS has now back into strands.yaml through this one table. An
attribute that is not in it has no strands.yaml setting: it can be reverted, not accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strands_tf.cost.tags import MANAGED_BY, RESERVED_PREFIX

SettingPath = tuple[str | int, ...]


class Inexpressible(ValueError):
    """The value AWS has now cannot be written as the setting (e.g. a DLQ retention that is not whole days)."""


def _same(value: Any) -> Any:
    return value


def _first(value: Any) -> Any:
    if isinstance(value, list) and value:
        return value[0]
    raise Inexpressible("no value")


def _block(field: str, convert: Callable[[Any], Any] = _same) -> Callable[[Any], Any]:
    """The field of a one-element nested block (`ephemeral_storage: [{size: 512}]` → 512)."""

    def read(value: Any) -> Any:
        item = _first(value)
        if not isinstance(item, dict) or field not in item:
            raise Inexpressible(f"no {field}")
        return convert(item[field])

    return read


def _concurrency(value: Any) -> Any:
    return None if value in (None, -1) else value  # -1: no reservation (the setting is absent)


def _whole_days(seconds: Any) -> int:
    if not isinstance(seconds, int) or seconds % 86400:
        raise Inexpressible(f"{seconds} seconds is not a whole number of days")
    return seconds // 86400


@dataclass(frozen=True)
class Setting:
    """A strands.yaml setting of an element (path below `agents.<name>` or `resources.<name>`) and its converter."""

    path: SettingPath
    convert: Callable[[Any], Any] = _same

    def value(self, terraform_value: Any) -> Any:
        """The YAML value for a Terraform value (None: the setting is absent); Inexpressible when there is none."""
        return self.convert(terraform_value)


# (owner kind, module, Terraform type, attribute) -> setting
SETTINGS: dict[tuple[str, str, str, str], Setting] = {
    ("agent", "strands-agent", "aws_lambda_function", "memory_size"): Setting(("memory",)),
    ("agent", "strands-agent", "aws_lambda_function", "timeout"): Setting(("timeout",)),
    ("agent", "strands-agent", "aws_lambda_function", "runtime"): Setting(("runtime",)),
    ("agent", "strands-agent", "aws_lambda_function", "handler"): Setting(("handler",)),
    ("agent", "strands-agent", "aws_lambda_function", "description"): Setting(("description",)),
    ("agent", "strands-agent", "aws_lambda_function", "architectures"): Setting(("architecture",), _first),
    ("agent", "strands-agent", "aws_lambda_function", "reserved_concurrent_executions"): Setting(
        ("reserved_concurrency",), _concurrency
    ),
    ("agent", "strands-agent", "aws_lambda_function", "ephemeral_storage"): Setting(
        ("ephemeral_storage",), _block("size")
    ),
    ("agent", "strands-agent", "aws_lambda_function", "tracing_config"): Setting(
        ("tracing",), _block("mode", lambda mode: mode == "Active")
    ),
    ("agent", "strands-agent", "aws_cloudwatch_log_group", "retention_in_days"): Setting(("log_retention_days",)),
    ("agent", "sqs-queue", "aws_sqs_queue", "message_retention_seconds"): Setting(
        ("dead_letter", "retention_days"), _whole_days
    ),
    ("resource", "sqs-queue", "aws_sqs_queue", "visibility_timeout_seconds"): Setting(("visibility_timeout",)),
    ("resource", "sqs-queue", "aws_sqs_queue", "message_retention_seconds"): Setting(("message_retention",)),
    ("resource", "sqs-queue", "aws_sqs_queue", "delay_seconds"): Setting(("delay_seconds",)),
    ("resource", "sqs-queue", "aws_sqs_queue", "receive_wait_time_seconds"): Setting(("receive_wait_time",)),
    ("resource", "dynamodb-table", "aws_dynamodb_table", "deletion_protection_enabled"): Setting(
        ("deletion_protection",)
    ),
    ("resource", "dynamodb-table", "aws_dynamodb_table", "point_in_time_recovery"): Setting(
        ("point_in_time_recovery",), _block("enabled")
    ),
    ("resource", "dynamodb-table", "aws_dynamodb_table", "read_capacity"): Setting(("read_capacity",)),
    ("resource", "dynamodb-table", "aws_dynamodb_table", "write_capacity"): Setting(("write_capacity",)),
    ("resource", "s3-bucket", "aws_s3_bucket_versioning", "versioning_configuration"): Setting(
        ("versioning",), _block("status", lambda status: status == "Enabled")
    ),
}

# resources whose `tags` are the element's own `tags:` (plus the tool's keys), per owner kind and module
TAGGED: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("agent", "strands-agent", "aws_lambda_function"),
        ("agent", "strands-agent", "aws_cloudwatch_log_group"),
        ("resource", "sqs-queue", "aws_sqs_queue"),
        ("resource", "dynamodb-table", "aws_dynamodb_table"),
        ("resource", "s3-bucket", "aws_s3_bucket"),
        ("resource", "sns-topic", "aws_sns_topic"),
    }
)
# attributes that follow from others (tags_all = default tags + tags) or are AWS's bookkeeping, never settings
DERIVED = frozenset({"tags_all", "last_modified", "version", "qualified_arn", "qualified_invoke_arn", "id"})


@dataclass(frozen=True)
class SettingChange:
    """A strands.yaml setting drift changed: where (below the element), before and after; after None = removed."""

    path: SettingPath
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"setting": ".".join(str(p) for p in self.path), "before": self.before, "after": self.after}


@dataclass(frozen=True)
class AttributeVerdict:
    """What a changed attribute means for strands.yaml: the setting changes, or why there is none."""

    attribute: str
    changes: tuple[SettingChange, ...] = ()
    reason: str | None = None  # set when the change cannot be written into strands.yaml

    @property
    def expressible(self) -> bool:
        return self.reason is None


def _tag_changes(before: Any, after: Any) -> AttributeVerdict:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    changes: list[SettingChange] = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        if key == MANAGED_BY or key.startswith(RESERVED_PREFIX):
            return AttributeVerdict("tags", reason=f"tag '{key}' is strands-tf's own and cannot be set in strands.yaml")
        changes.append(SettingChange(("tags", key), old.get(key), new.get(key)))
    return AttributeVerdict("tags", tuple(changes))


def attribute_verdict(
    owner_kind: str, module: str | None, tf_type: str, attribute: str, before: Any, after: Any
) -> AttributeVerdict:
    """The strands.yaml meaning of one drifted attribute of a resource made by `module` for an element."""
    if module is None:
        return AttributeVerdict(attribute, reason="the resource belongs to no strands.yaml element")
    if attribute == "tags" and (owner_kind, module, tf_type) in TAGGED:
        return _tag_changes(before, after)
    setting = SETTINGS.get((owner_kind, module, tf_type, attribute))
    if setting is None:
        return AttributeVerdict(attribute, reason=f"{tf_type}.{attribute} has no strands.yaml setting")
    try:
        old = setting.value(before)
    except Inexpressible:
        old = None
    try:
        new = setting.value(after)
    except Inexpressible as exc:
        return AttributeVerdict(attribute, reason=f"{attribute}: {exc}")
    return AttributeVerdict(attribute, (SettingChange(setting.path, old, new),))
