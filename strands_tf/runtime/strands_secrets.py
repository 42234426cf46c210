"""Read an agent's secrets at runtime: packaged by strands-tf with every agent that declares `secrets:`.

strands.yaml names where each secret lives::

    secrets:
      OPENAI_API_KEY: {ssm: /acme/openai-key}
      DB_PASSWORD: {secretsmanager: prod/db, key: password}

The function gets only those references, as JSON in the STRANDS_SECRETS environment variable, and its
execution role may read exactly those parameters and secrets. In the handler module::

    import strands_secrets

    strands_secrets.load()                          # os.environ["OPENAI_API_KEY"] = the value, for SDKs
    password = strands_secrets.get("DB_PASSWORD")   # or read one value

Values are cached in the process for STRANDS_SECRETS_TTL seconds (default 300), so a warm function does
not call SSM or Secrets Manager on every invocation and picks up a rotated value within that time.
Errors name the secret and where it was looked up, never a value. Needs only boto3 (part of the Lambda
Python runtime).
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

ENV_VAR = "STRANDS_SECRETS"
TTL_ENV_VAR = "STRANDS_SECRETS_TTL"
DEFAULT_TTL_SECONDS = 300.0

__all__ = ["SecretError", "get", "load", "names"]


class SecretError(RuntimeError):
    """A secret could not be read: which one, where, and why (never its value)."""


_cache: dict[str, tuple[float, str]] = {}
_clients: dict[str, Any] = {}
_lock = threading.Lock()


def _references() -> dict[str, dict[str, str]]:
    raw = os.environ.get(ENV_VAR, "")
    if not raw:
        return {}
    try:
        refs = json.loads(raw)
    except ValueError as exc:
        raise SecretError(f"{ENV_VAR} is not valid JSON ({exc}); it is written by strands-tf, do not edit it") from None
    if not isinstance(refs, dict):
        raise SecretError(f"{ENV_VAR} must be a JSON object of name -> reference")
    return refs


def names() -> list[str]:
    """The names of the secrets this function declares."""
    return sorted(_references())


def _ttl() -> float:
    try:
        return max(0.0, float(os.environ.get(TTL_ENV_VAR, DEFAULT_TTL_SECONDS)))
    except ValueError:
        return DEFAULT_TTL_SECONDS


def _client(service: str) -> Any:
    with _lock:
        client = _clients.get(service)
        if client is None:
            import boto3  # part of the Lambda Python runtime

            # Lambda sets AWS_REGION (and AWS_DEFAULT_REGION): the function's own region
            region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
            client = _clients[service] = boto3.client(service, region_name=region)
        return client


def _fetch(name: str, ref: dict[str, str]) -> str:
    try:
        if "ssm" in ref:
            where = f"SSM parameter {ref['ssm']}"
            answer = _client("ssm").get_parameter(Name=ref["ssm"], WithDecryption=True)
            value = answer["Parameter"]["Value"]
        elif "secretsmanager" in ref:
            where = f"Secrets Manager secret {ref['secretsmanager']}"
            answer = _client("secretsmanager").get_secret_value(SecretId=ref["secretsmanager"])
            if "SecretString" in answer:
                value = answer["SecretString"]
            else:
                value = bytes(answer["SecretBinary"]).decode("utf-8")
        else:
            raise SecretError(f"secret {name}: {ENV_VAR} gives neither ssm nor secretsmanager")
    except SecretError:
        raise
    except Exception as exc:  # botocore's errors: say which secret and why (access denied, not found...)
        raise SecretError(f"secret {name}: cannot read {where}: {type(exc).__name__}: {exc}") from None
    key = ref.get("key")
    if key is None:
        return value
    try:
        document = json.loads(value)
    except ValueError:
        raise SecretError(f"secret {name}: {where} is not JSON, so it has no key {key!r}") from None
    if not isinstance(document, dict) or key not in document:
        raise SecretError(f"secret {name}: {where} has no key {key!r}")
    item = document[key]
    return item if isinstance(item, str) else json.dumps(item)


def get(name: str, *, max_age: float | None = None) -> str:
    """The value of secret `name`, from the process cache when younger than `max_age` seconds (default: the TTL)."""
    refs = _references()
    if name not in refs:
        declared = ", ".join(sorted(refs)) or "none"
        raise SecretError(f"secret {name} is not declared for this function (declared: {declared})")
    limit = _ttl() if max_age is None else max_age
    now = time.monotonic()
    with _lock:
        cached = _cache.get(name)
    if cached is not None and now - cached[0] < limit:
        return cached[1]
    value = _fetch(name, refs[name])
    with _lock:
        _cache[name] = (now, value)
    return value


def load(only: list[str] | None = None, *, overwrite: bool = True) -> dict[str, str]:
    """Read the declared secrets (or `only` these) into os.environ, for libraries that read their keys from there."""
    values = {name: get(name) for name in (only if only is not None else names())}
    for name, value in values.items():
        if overwrite or name not in os.environ:
            os.environ[name] = value
    return values
