"""The tag manager: one inheritance order for every tag strands-tf puts on AWS resources, and AWS's limits.

Order (later wins): project `tags` → environment `tags` → agent or resource `tags`; the tool's own keys
(`managed-by`, `strands:project`, `strands:environment`, `strands:version` on every resource through the
provider's `default_tags`, `strands:agent` / `strands:resource` on what an element creates) always win and
cannot be set by users.

`deployed-at` / `deployed-by` are deliberately not tags: a value that changes with every deployment on every
resource would make every plan dirty. They live in the deployment's history record (see docs/cost.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# AWS tagging rules shared by most services (Tag Editor / Resource Groups Tagging API)
MAX_TAGS_PER_RESOURCE = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
# S3 objects take at most 10 tags, provider default_tags included (see model/artifacts.py)
MAX_OBJECT_TAGS = 10
# letters, digits, spaces and _ . : / = + - @ (Unicode letters and digits allowed)
_ALLOWED = re.compile(r"^[\w\s.:/=+\-@]*$", re.UNICODE)

MANAGED_BY = "managed-by"
PROJECT_KEY = "strands:project"
ENVIRONMENT_KEY = "strands:environment"
VERSION_KEY = "strands:version"
AGENT_KEY = "strands:agent"
RESOURCE_KEY = "strands:resource"
# on every resource, through the provider's default_tags
TOOL_KEYS = frozenset({MANAGED_BY, ENVIRONMENT_KEY, PROJECT_KEY, VERSION_KEY})
# keys modules add on some resources themselves (vpc subnets: Name, strands:tier; buckets: strands:purpose)
MODULE_KEY_RESERVE = 2
RESERVED_PREFIX = "strands:"


_CHARACTERS = "use letters, digits, spaces and _ . : / = + - @"


def key_problem(key: str) -> str | None:
    """What is wrong with a tag key under AWS's rules (and the keys strands-tf keeps for itself), or None."""
    if key.lower().startswith("aws:"):
        return f"tag key '{key}' uses the reserved prefix 'aws:'"
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        return f"tag key '{key}' must be 1-{MAX_KEY_LENGTH} characters"
    if not _ALLOWED.match(key):
        return f"tag key '{key}' has characters AWS does not allow in tags: {_CHARACTERS}"
    if key == MANAGED_BY or key.startswith(RESERVED_PREFIX):
        return f"tag key '{key}' is reserved for the tags strands-tf sets itself"
    return None


def value_problem(key: str, value: str) -> str | None:
    """What is wrong with a tag value under AWS's rules, or None (`key` only names it in the message)."""
    if len(value) > MAX_VALUE_LENGTH:
        return f"the value of tag '{key}' is longer than {MAX_VALUE_LENGTH} characters"
    if not _ALLOWED.match(value):
        return f"the value of tag '{key}' has characters AWS does not allow in tags: {_CHARACTERS}"
    return None


def tag_problem(key: str, value: str) -> str | None:
    """What is wrong with one tag, or None."""
    return key_problem(key) or value_problem(key, value)


@dataclass(frozen=True)
class TagManager:
    """The tags of one project in one environment, computed the same way for every element."""

    project: str
    environment: str
    tool_version: str
    # project `tags` then environment `tags`, already merged (environment wins)
    shared: Mapping[str, str]

    def default_tags(self) -> dict[str, str]:
        """The provider's default_tags: the tool's keys and the project's and environment's tags."""
        tags = dict(self.shared)
        tags.update(
            {
                MANAGED_BY: "strands-tf",
                ENVIRONMENT_KEY: self.environment,
                PROJECT_KEY: self.project,
                VERSION_KEY: self.tool_version,
            }
        )
        return dict(sorted(tags.items()))

    @staticmethod
    def agent_tags(name: str, own: Mapping[str, str]) -> dict[str, str]:
        """Tags on what an agent creates (function, log group, role, dead-letter queue) besides default_tags."""
        return {**own, AGENT_KEY: name}

    @staticmethod
    def resource_tags(name: str, own: Mapping[str, str]) -> dict[str, str]:
        """Tags on what a `resources:` entry creates besides default_tags."""
        return {**own, RESOURCE_KEY: name}

    def effective(self, element_tags: Mapping[str, str]) -> dict[str, str]:
        """Every tag a resource ends up with: default_tags merged with its own (its own win, as in AWS provider)."""
        return {**self.default_tags(), **element_tags}


def over_limit(shared: Mapping[str, str], own: Mapping[str, str]) -> int | None:
    """How many tags one element's resources would carry when that is over AWS's 50, else None."""
    keys = set(TOOL_KEYS) | set(shared) | set(own) | {AGENT_KEY}
    count = len(keys) + MODULE_KEY_RESERVE
    return count if count > MAX_TAGS_PER_RESOURCE else None


def user_tag_budget() -> int:
    """How many user tags (project + environment + element together) fit on one resource."""
    return MAX_TAGS_PER_RESOURCE - len(TOOL_KEYS) - 1 - MODULE_KEY_RESERVE


def cost_allocation_keys(shared_keys: Iterable[str]) -> list[str]:
    """The tag keys worth activating as cost allocation tags: the tool's and the project's own."""
    return sorted({MANAGED_BY, PROJECT_KEY, ENVIRONMENT_KEY, AGENT_KEY, RESOURCE_KEY, *shared_keys})
