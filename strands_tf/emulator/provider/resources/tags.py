"""Tags as the real provider handles them: ``tags`` from configuration, ``tags_all`` merged with default_tags."""

from __future__ import annotations

from typing import Any


def tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    """``{"k": "v"}`` → ``[{"Key": "k", "Value": "v"}]``."""
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def tags_from_list(items: list[dict[str, Any]], key: str = "Key", value: str = "Value") -> dict[str, str]:
    """``[{"Key": "k", "Value": "v"}]`` → ``{"k": "v"}``."""
    return {str(i[key]): str(i.get(value, "")) for i in items}


def split_tags(
    all_tags: dict[str, str], default_tags: dict[str, str], prior_tags: dict[str, str] | None
) -> tuple[dict[str, str] | None, dict[str, str]]:
    """``(tags, tags_all)`` from what AWS holds: tags are those not supplied by default_tags."""
    own = {k: v for k, v in all_tags.items() if not (k in default_tags and default_tags[k] == v)}
    # a tag set in configuration that equals a default tag still belongs to the resource's own tags
    for k, v in (prior_tags or {}).items():
        if all_tags.get(k) == v:
            own[k] = v
    if not own and prior_tags is None:
        return None, dict(all_tags)
    return own, dict(all_tags)
