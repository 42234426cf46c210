"""Where a record's objects live: `<prefix>/<project>/<env>/deployments/<id>/<name>`, in S3 and on disk alike."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

# one deployment-id format for local deployments and history keys: the workspace owns it
from strands_tf.deploy.workspace import check_deployment_id as check_deployment_id
from strands_tf.deploy.workspace import is_deployment_id as is_deployment_id
from strands_tf.errors import UserError

METADATA = "metadata.json"
CONFIG_DIR = "config"
ORIGINAL_CONFIG = "config/strands.yaml"
RESOLVED_CONFIG = "config/resolved.json"
STACKS_ARCHIVE = "stacks.tar.gz"
STATE = "state.json"
COST = "cost.json"
EVENTS = "events.jsonl"
PLANS_DIR = "plans"
LOGS_DIR = "logs"

_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _segment(value: str, what: str) -> str:
    if not _SEGMENT_RE.match(value):
        raise UserError(
            f"{what} {value!r} cannot be used in a history key", hint="use letters, digits, '-', '_' and '.'"
        )
    return value


def normalize_prefix(prefix: str) -> str:
    """`history.prefix` without leading/trailing slashes and empty segments."""
    return "/".join(part for part in prefix.split("/") if part)


def join(*parts: str) -> str:
    """Join key parts with '/', skipping empty ones."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def project_prefix(prefix: str, project: str) -> str:
    """`<prefix>/<project>`: every environment of a project lives under it."""
    return join(normalize_prefix(prefix), _segment(project, "project"))


def environment_prefix(prefix: str, project: str, environment: str) -> str:
    """`<prefix>/<project>/<env>/deployments`: one folder per record."""
    return join(project_prefix(prefix, project), _segment(environment, "environment"), "deployments")


def record_prefix(prefix: str, project: str, environment: str, deployment_id: str) -> str:
    """`<prefix>/<project>/<env>/deployments/<id>`."""
    return join(environment_prefix(prefix, project, environment), check_deployment_id(deployment_id))


def plan_summary_name(stack: str, attempt: int = 1) -> str:
    """Object name of a stack's masked plan summary (`plans/attempt-<n>/...` for the attempts of a resume)."""
    folder = PLANS_DIR if attempt <= 1 else f"{PLANS_DIR}/attempt-{attempt}"
    return f"{folder}/{quote(stack, safe='')}.summary.json"


def resource_log_name(stack: str, address: str) -> str:
    """Object name of one resource's log: `logs/<stack>/<percent-encoded address>.jsonl`."""
    return f"{LOGS_DIR}/{quote(stack, safe='')}/{quote(address, safe='')}.jsonl"


def parse_resource_log_name(name: str) -> tuple[str, str] | None:
    """(stack, address) of a resource log object name, or None for other objects."""
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != LOGS_DIR or not parts[2].endswith(".jsonl"):
        return None
    return unquote(parts[1]), unquote(parts[2][: -len(".jsonl")])
