"""One thread-safe factory of boto3 sessions and cached clients per identity (profile, SSO, assumed role)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.session
from botocore import exceptions as bx
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    DeferredRefreshableCredentials,
    ReadOnlyCredentials,
)
from botocore.loaders import Loader

from strands_tf.aws.errors import ASSUME_ROLE_METHOD, aws_errors, role_assumption_error
from strands_tf.aws.retry import ClientSettings, client_config
from strands_tf.aws.target import EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY, AwsTarget, IdentityKey
from strands_tf.errors import StrandsError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _local_now() -> datetime:
    # botocore compares expiry times with an aware "now" (any timezone works for the subtraction).
    return datetime.now(UTC)


class AssumedRoleCredentials(DeferredRefreshableCredentials):
    """Role credentials fetched on first use and refreshed by botocore before they expire."""

    def __init__(
        self,
        refresh_using: Callable[[], dict[str, Any]],
        method: str,
        *,
        duration_seconds: int,
        time_fetcher: Clock = _local_now,
    ) -> None:
        super().__init__(refresh_using=refresh_using, method=method, time_fetcher=time_fetcher)
        # botocore refreshes 15 min (advisory) / 10 min (mandatory) before expiry; with a 15-minute
        # session that would mean a new AssumeRole on every call, so scale the windows to the duration.
        self._advisory_refresh_timeout = min(15 * 60, duration_seconds // 3)
        self._mandatory_refresh_timeout = min(10 * 60, duration_seconds // 6)

    @property
    def expiry_time(self) -> datetime | None:
        """When the current credentials expire (None before the first fetch)."""
        return self._expiry_time

    def fresh_for(self, seconds: float) -> tuple[ReadOnlyCredentials, datetime]:
        """Credentials valid for at least ``seconds`` more (refreshing now if needed), and their expiry."""
        with self._refresh_lock:
            if self.refresh_needed(seconds):
                self._protected_refresh(is_mandatory=True)
            assert self._expiry_time is not None  # set by the refresh above
            return self._frozen_credentials, self._expiry_time


class _FixedProvider(CredentialProvider):
    """A credential provider that always answers with one credentials object."""

    METHOD = ASSUME_ROLE_METHOD
    CANONICAL_NAME = "custom-strands-assume-role"

    def __init__(self, credentials: AssumedRoleCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> AssumedRoleCredentials:
        return self._credentials


class AwsSessionFactory:
    """Makes boto3 sessions and clients for AwsTargets; clients are cached per (service, region, identity).

    boto3 sessions are not thread-safe, so sessions and clients are created under one lock; the clients
    themselves are thread-safe and shared. Retries, timeouts and pool size come from ``settings`` and are
    set here once for every client.
    """

    def __init__(self, settings: ClientSettings | None = None, *, clock: Clock | None = None) -> None:
        self.settings = settings or ClientSettings()
        self._clock = clock or _local_now
        self._lock = threading.RLock()
        self._base_sessions: dict[tuple[str | None, bool], boto3.Session] = {}
        self._sessions: dict[IdentityKey, boto3.Session] = {}
        self._clients: dict[tuple[str, str, IdentityKey, str | None], BaseClient] = {}
        self._configs: dict[bool, Config] = {}
        self._loader: Loader | None = None
        self.sessions_created = 0
        self.clients_created = 0

    # --- public API ---------------------------------------------------------------------------

    def session(self, target: AwsTarget) -> boto3.Session:
        """The boto3 session for the target's identity (created once, then shared)."""
        key = target.identity_key
        session = self._sessions.get(key)
        if session is not None:
            return session
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = self._new_session(target)
                self._sessions[key] = session
            return session

    def client(self, service: str, target: AwsTarget, *, region: str | None = None) -> BaseClient:
        """A boto3 client for ``service`` in the target's (or the given) region, cached and thread-safe."""
        region = region or target.region
        endpoint = target.endpoint_for(service)
        key = (service, region, target.identity_key, endpoint)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                session = self.session(target)
                with aws_errors(target, f"create {service} client"):
                    client = session.client(
                        service,
                        region_name=region,
                        endpoint_url=endpoint,
                        config=self._config(path_style_s3=service == "s3" and endpoint is not None),
                    )
                self._clients[key] = client
                self.clients_created += 1
                log.debug("created %s client for %s in %s", service, target.describe_source(), region)
            return client

    def credential_method(self, target: AwsTarget) -> str | None:
        """botocore's name for where the target's credentials come from ('env', 'sso', ...), or None."""
        if target.role_arn is not None:
            return ASSUME_ROLE_METHOD
        try:
            creds = self._base_session(target).get_credentials()
        except (bx.BotoCoreError, bx.ClientError, StrandsError):
            return None  # the call itself will fail and report why
        return getattr(creds, "method", None) if creds is not None else None

    def assumed_credentials(self, target: AwsTarget, *, valid_for: float = 0) -> tuple[ReadOnlyCredentials, datetime]:
        """The assumed role's current keys, refreshed first if they expire within ``valid_for`` seconds."""
        if target.role_arn is None:
            raise ValueError("assumed_credentials needs a target with role_arn")
        creds = self.session(target).get_credentials()
        assert isinstance(creds, AssumedRoleCredentials)
        with aws_errors(target, "sts:AssumeRole", credential_method=ASSUME_ROLE_METHOD):
            return creds.fresh_for(valid_for)

    def close(self) -> None:
        """Close every cached client's connection pool and forget sessions and clients."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._sessions.clear()
            self._base_sessions.clear()

    # --- internals ----------------------------------------------------------------------------

    def _config(self, *, path_style_s3: bool) -> Config:
        config = self._configs.get(path_style_s3)
        if config is None:
            config = client_config(self.settings, path_style_s3=path_style_s3)
            self._configs[path_style_s3] = config
        return config

    def _base_session(self, target: AwsTarget) -> boto3.Session:
        """The session of the profile (or default chain) itself, before any role assumption."""
        key = (target.profile, target.emulator)
        with self._lock:
            session = self._base_sessions.get(key)
            if session is None:
                with aws_errors(target, "load AWS profile"):
                    if target.emulator:
                        session = self._boto3_session(
                            self._botocore_session(None),
                            aws_access_key_id=EMULATOR_ACCESS_KEY,
                            aws_secret_access_key=EMULATOR_SECRET_KEY,
                        )
                    else:
                        session = self._boto3_session(self._botocore_session(target.profile))
                    # A missing profile fails here, clearly, before any call is made.
                    if target.profile is not None and target.profile not in session.available_profiles:
                        raise bx.ProfileNotFound(profile=target.profile)
                self._base_sessions[key] = session
                self.sessions_created += 1
            return session

    def _new_session(self, target: AwsTarget) -> boto3.Session:
        if target.role_arn is None:
            return self._base_session(target)
        # The source identity's own (cached) STS client: role environments sharing a profile share it.
        sts = self.client("sts", _without_role(target))
        credentials = AssumedRoleCredentials(
            refresh_using=lambda: self._assume_role(target, sts),
            method=ASSUME_ROLE_METHOD,
            duration_seconds=target.duration_seconds,
            time_fetcher=self._clock,
        )
        core = self._botocore_session(target.profile)
        # Only the assumed role's credentials: never fall back to the source identity by accident.
        core.register_component("credential_provider", CredentialResolver([_FixedProvider(credentials)]))
        self.sessions_created += 1
        return self._boto3_session(core, region_name=target.region)

    def _botocore_session(self, profile: str | None) -> botocore.session.Session:
        """A botocore session sharing one data loader: service models are parsed once, not per session."""
        core = botocore.session.Session(profile=profile)
        if self._loader is None:
            self._loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", self._loader)
        return core

    def _boto3_session(self, core: botocore.session.Session, **kwargs: Any) -> boto3.Session:
        session = boto3.Session(botocore_session=core, **kwargs)
        # boto3 appends its resource path to the (shared) loader on every session: keep it once.
        paths = self._loader.search_paths if self._loader is not None else []
        paths[:] = list(dict.fromkeys(paths))
        return session

    def _assume_role(self, target: AwsTarget, sts: BaseClient) -> dict[str, Any]:
        params: dict[str, Any] = {
            "RoleArn": target.role_arn,
            "RoleSessionName": target.session_name,
            "DurationSeconds": target.duration_seconds,
        }
        if target.external_id is not None:
            params["ExternalId"] = target.external_id
        log.info("assuming role %s as session %s", target.role_arn, target.session_name)
        try:
            response = sts.assume_role(**params)
        except (bx.ClientError, bx.BotoCoreError) as exc:
            source_method = self.credential_method(_without_role(target))
            raise role_assumption_error(exc, target, caller=_caller_arn(sts), credential_method=source_method) from exc
        creds = response["Credentials"]
        log.debug("role %s credentials expire at %s", target.role_arn, creds["Expiration"])
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }


def _caller_arn(sts: BaseClient) -> str | None:
    """Who the source credentials are, for error messages; None if even that fails."""
    try:
        return str(sts.get_caller_identity()["Arn"])
    except (bx.ClientError, bx.BotoCoreError):
        return None


def _without_role(target: AwsTarget) -> AwsTarget:
    return replace(target, role_arn=None, external_id=None)


_default_lock = threading.Lock()
_default: AwsSessionFactory | None = None


def default_factory() -> AwsSessionFactory:
    """The process-wide factory, so every part of the tool shares clients and connection pools."""
    global _default
    with _default_lock:
        if _default is None:
            _default = AwsSessionFactory()
        return _default
