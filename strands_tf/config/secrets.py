"""Secrets an agent reads at runtime (`secrets:`), and literal `environment` values that look like secrets.

A `secrets:` entry names an SSM Parameter Store parameter or a Secrets Manager secret; its value never
enters strands.yaml, Terraform or any file strands writes. The function gets the references in one
environment variable (STRANDS_SECRETS) and reads the values itself (`strands_secrets.py`, packaged with
the agent); its execution role may read exactly those parameters and secrets.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

# the environment variable holding {NAME: reference}; read by strands_tf/runtime/strands_secrets.py
SECRETS_ENV_VAR = "STRANDS_SECRETS"

_PARTITION = r"aws[a-z-]*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d"
SSM_NAME_RE = re.compile(r"^/?[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*$")
SSM_ARN_RE = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):ssm:(?P<region>{_REGION}):(?P<account>\d{{12}}):parameter/(?P<name>[A-Za-z0-9_.\-/]+)$"
)
SECRET_NAME_RE = re.compile(r"^[A-Za-z0-9/_+=.@\-]{1,512}$")
SECRET_ARN_RE = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):secretsmanager:(?P<region>{_REGION}):(?P<account>\d{{12}}):secret:(?P<name>[A-Za-z0-9/_+=.@\-]+)$"
)
KMS_KEY_ARN_RE = re.compile(rf"^arn:(?P<partition>{_PARTITION}):kms:(?P<region>{_REGION}):\d{{12}}:key/[A-Za-z0-9-]+$")
_SSM_MAX_NAME = 1011  # Parameter Store's limit for a name given without its ARN prefix
_SSM_MAX_DEPTH = 15


def _err(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx)


class SecretRef(BaseModel):
    """Where an agent's secret lives: an SSM parameter or a Secrets Manager secret, read by the function at runtime."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ssm: str | None = Field(
        None,
        description="SSM Parameter Store parameter: its name (/acme/openai-key) or ARN. SecureString parameters "
        "are decrypted when read.",
    )
    secretsmanager: str | None = Field(
        None, description="Secrets Manager secret: its name (prod/db) or full ARN (with the 6-character suffix)."
    )
    key: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        description="Read this key of a JSON secret value (e.g. password of {username, password}).",
    )
    kms_key: str | None = Field(
        None,
        description="ARN of the customer managed KMS key that encrypts the value; the role may then decrypt with "
        "it only through SSM or Secrets Manager (kms:ViaService). Omit for the AWS managed keys.",
    )

    @field_validator("ssm")
    @classmethod
    def _ssm(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("arn:"):
            if not SSM_ARN_RE.match(value):
                raise _err(
                    "ssm_arn",
                    "'{value}' is not an SSM parameter ARN (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)",
                    value=value,
                )
            return value
        if not SSM_NAME_RE.match(value) or len(value) > _SSM_MAX_NAME:
            raise _err(
                "ssm_name",
                "'{value}' is not an SSM parameter name: letters, digits and _.-, levels separated by '/' "
                "(e.g. /acme/prod/openai-key)",
                value=value,
            )
        if "/" in value and not value.startswith("/"):
            raise _err("ssm_name", "'{value}': a parameter name with levels starts with '/'", value=value)
        if value.lstrip("/").lower().startswith(("aws", "ssm")):
            raise _err("ssm_name", "'{value}': parameter names cannot start with 'aws' or 'ssm'", value=value)
        if value.count("/") > _SSM_MAX_DEPTH:
            raise _err("ssm_name", "'{value}' has more than 15 levels", value=value)
        return value

    @field_validator("secretsmanager")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("arn:"):
            if not SECRET_ARN_RE.match(value):
                raise _err(
                    "secret_arn",
                    "'{value}' is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
                    value=value,
                )
            return value
        if not SECRET_NAME_RE.match(value):
            raise _err(
                "secret_name",
                "'{value}' is not a Secrets Manager secret name: 1-512 letters, digits and /_+=.@-",
                value=value,
            )
        return value

    @field_validator("kms_key")
    @classmethod
    def _kms(cls, value: str | None) -> str | None:
        if value is not None and not KMS_KEY_ARN_RE.match(value):
            raise _err(
                "secret_kms_key",
                "'{value}' is not a KMS key ARN: give arn:aws:kms:REGION:ACCOUNT:key/ID so the role can be "
                "granted exactly that key (an alias or id cannot be scoped); omit kms_key for the AWS managed key",
                value=value,
            )
        return value

    @model_validator(mode="after")
    def _one_store(self) -> SecretRef:
        if (self.ssm is None) == (self.secretsmanager is None):
            raise _err(
                "secret_store",
                "give exactly one of ssm (a Parameter Store name or ARN) or secretsmanager (a secret name or ARN)",
            )
        return self

    @property
    def store(self) -> str:
        """`ssm` or `secretsmanager`."""
        return "ssm" if self.ssm is not None else "secretsmanager"

    @property
    def reference(self) -> str:
        """The name or ARN as written."""
        return self.ssm if self.ssm is not None else str(self.secretsmanager)

    def runtime_entry(self) -> dict[str, str]:
        """This secret's entry in STRANDS_SECRETS: where the function reads it."""
        entry = {self.store: self.reference}
        if self.key is not None:
            entry["key"] = self.key
        return entry


# ------------------------------------------------------------------------------ secret-looking literals

_SECRET_NAME_RE = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_?KEY|(^|_)PWD($|_)", re.I)
_KEY_NAME_RE = re.compile(r"(^|_)KEY$", re.IGNORECASE)
# SORT_KEY: created_at names an attribute, not a secret
_IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_KNOWN_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "an AWS access key id"),
    (re.compile(r"^[A-Za-z0-9/+]{40}$"), "an AWS secret access key"),
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"), "an API key (sk-...)"),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "a Google API key"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"^eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$"), "a JSON web token"),
    (re.compile(r"^[a-z][a-z0-9+.\-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with a password"),
)
_HIGH_ENTROPY_MIN_LENGTH = 20
_HIGH_ENTROPY_BITS = 4.0
_TOKENISH = re.compile(r"^[A-Za-z0-9+/=_\-]+$")


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_reason(name: str, value: str) -> str | None:
    """Why a literal environment variable looks like a secret (its name or its value), or None."""
    for pattern, label in _KNOWN_SHAPES:
        if pattern.search(value):
            return f"its value looks like {label}"
    if (
        len(value) >= _HIGH_ENTROPY_MIN_LENGTH
        and _TOKENISH.match(value)
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and _entropy(value) >= _HIGH_ENTROPY_BITS
    ):
        return "its value is a long random-looking string"
    if value and (_SECRET_NAME_RE.search(name) or (_KEY_NAME_RE.search(name) and not _IDENTIFIER_RE.match(value))):
        return "its name says it holds a secret"
    return None


# ------------------------------------------------------------------------------ masked copies of the files

MASK = "(sensitive)"


def environment_value_paths(config: Any) -> list[tuple[str | int, ...]]:
    """Document paths of every literal `environment` value, in every environment (defaults, agents, overrides)."""
    paths: list[tuple[str | int, ...]] = []

    def add(prefix: tuple[str | int, ...], settings: Any) -> None:
        for key in (getattr(settings, "environment", None) or {}) if settings is not None else {}:
            paths.append((*prefix, "environment", key))

    add(("defaults",), config.defaults)
    for name, agent in config.agents.items():
        add(("agents", name), agent)
    for env_name, env in config.environments.items():
        add(("environments", env_name, "overrides", "defaults"), env.overrides.defaults)
        for name, override in env.overrides.agents.items():
            add(("environments", env_name, "overrides", "agents", name), override)
    return paths


def masked_config_texts(loaded: Any) -> dict[Path, str]:
    """The text of strands.yaml and each agent fragment with every literal `environment` value replaced by
    "(sensitive)" (what history records store: a value there may be a secret, even a short one)."""
    files: dict[int, Path] = {id(loaded.sources.root): loaded.config_file}
    for prefix, (source, _inner) in loaded.sources.mounts.items():
        if len(prefix) == 2 and prefix[0] == "agents" and prefix[1] in loaded.fragment_files:
            files[id(source)] = loaded.fragment_files[prefix[1]]
    spans: dict[Path, list[tuple[int, int]]] = {path: [] for path in files.values()}
    for path in environment_value_paths(loaded.config):
        source, inner = loaded.sources.inner(path)
        span = source.spans.get(inner)
        target = files.get(id(source))
        if span is not None and target is not None:
            spans[target].append(span)
    out: dict[Path, str] = {}
    for target, found in spans.items():
        text = target.read_bytes().decode("utf-8-sig", errors="replace")
        # back to front, so earlier offsets stay valid; an alias repeats a span: mask it once
        for start, end in sorted(set(found), reverse=True):
            if 0 <= start <= end <= len(text):
                snippet = text[start:end]
                # a block scalar's span ends after its line breaks: keep them, or the next key joins its line
                tail = snippet[len(snippet.rstrip(" \t\r\n")) :]
                text = text[:start] + json.dumps(MASK) + tail + text[end:]
        out[target] = text
    return out
