"""Session/client factory against a real moto server: caching, threads, endpoints, profiles, roles, refresh."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strands_tf.aws.identity import get_caller_identity
from strands_tf.aws.retry import ClientSettings
from strands_tf.aws.session import AssumedRoleCredentials, AwsSessionFactory
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import Category, CredentialsError

from .conftest import Reply, StubAws, assume_role_answer, caller_identity

ROLE = "arn:aws:iam::111111111111:role/deployer"
pytestmark = pytest.mark.moto


def test_clients_are_cached_per_service_region_and_identity(aws_env, factory: AwsSessionFactory) -> None:
    dev = AwsTarget("dev", "us-east-1")
    staging = AwsTarget("staging", "us-east-1", account="123456789012")  # same identity, other name
    other_region = AwsTarget("dev", "eu-west-1")
    role = AwsTarget("prod", "us-east-1", role_arn=ROLE)

    s3 = factory.client("s3", dev)
    assert factory.client("s3", dev) is s3
    assert factory.client("s3", staging) is s3
    assert factory.client("s3", other_region) is not s3
    assert factory.client("s3", dev, region="eu-west-1") is factory.client("s3", other_region)
    assert factory.client("sts", dev) is not s3
    assert factory.client("s3", role) is not s3
    assert factory.session(dev) is factory.session(staging)
    assert factory.session(role) is not factory.session(dev)
    assert factory.clients_created == 4  # s3 in two regions, sts, s3 as the role


def test_client_creation_is_thread_safe(aws_env) -> None:
    factory = AwsSessionFactory()
    targets = [AwsTarget(f"env{i % 3}", "us-east-1") for i in range(24)]
    barrier = threading.Barrier(len(targets))
    results: list[object] = []
    errors: list[BaseException] = []

    def worker(target: AwsTarget) -> None:
        try:
            barrier.wait()
            client = factory.client("dynamodb", target)
            client.list_tables()  # shared clients are safe to use from threads
            results.append(client)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({id(c) for c in results}) == 1
    assert factory.clients_created == 1 and factory.sessions_created == 1
    factory.close()


def test_client_config_comes_from_the_factory_settings(aws_env) -> None:
    settings = ClientSettings(retry_mode="adaptive", max_attempts=4, max_pool_connections=33, read_timeout=7)
    factory = AwsSessionFactory(settings)
    client = factory.client("sqs", AwsTarget("dev", "us-east-1"))
    config = client.meta.config
    assert config.retries["mode"] == "adaptive" and config.retries["total_max_attempts"] == 4
    assert config.max_pool_connections == 33 and config.read_timeout == 7
    factory.close()


def test_endpoint_override_per_service(aws_env, stub_aws: StubAws, factory: AwsSessionFactory) -> None:
    stub_aws.script("GetCallerIdentity", Reply(200, caller_identity("999999999999")))
    target = AwsTarget("emu", "us-east-1", endpoint_url=aws_env.endpoint, service_endpoints={"sts": stub_aws.endpoint})
    identity = get_caller_identity(target, factory)
    assert identity.account == "999999999999"
    assert stub_aws.count("GetCallerIdentity") == 1

    s3 = factory.client("s3", target)
    assert s3.meta.endpoint_url == aws_env.endpoint
    assert s3.meta.config.s3 == {"addressing_style": "path"}  # emulators serve buckets by path
    s3.create_bucket(Bucket="endpoint-override-bucket")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "endpoint-override-bucket" in names
    assert len(stub_aws.requests) == 1  # S3 never went to the STS stub


def test_shared_endpoint_override_without_environment_variable(
    aws_env, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    target = AwsTarget("emu", "us-east-1", endpoint_url=aws_env.endpoint)
    assert get_caller_identity(target, factory).account == "123456789012"  # moto's default account


def test_profile_from_config_file(aws_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[dev]\naws_access_key_id = AKIADEVPROFILE\naws_secret_access_key = s3cr3t\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    factory = AwsSessionFactory()
    target = AwsTarget("dev", "us-east-1", profile="dev")
    assert factory.credential_method(target) == "shared-credentials-file"
    frozen = factory.session(target).get_credentials().get_frozen_credentials()
    assert frozen.access_key == "AKIADEVPROFILE"  # the profile wins over AWS_ACCESS_KEY_ID
    assert get_caller_identity(target, factory).account == "123456789012"
    factory.close()


def test_unknown_profile_is_a_credentials_error(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("dev", "us-east-1", profile="nope")
    with pytest.raises(CredentialsError) as info:
        factory.client("sts", target)
    err = info.value
    assert "profile 'nope' does not exist" in err.summary
    assert "aws configure --profile nope" in err.hint
    assert err.exit_code == 3


def test_assume_role_chain_lands_in_the_role_account(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("prod", "us-east-1", role_arn=ROLE, external_id="ext-123", session_name="strands-alice")
    identity = get_caller_identity(target, factory)
    assert identity.account == "111111111111"
    assert identity.is_assumed_role
    assert identity.arn == "arn:aws:sts::111111111111:assumed-role/deployer/strands-alice"
    creds = factory.session(target).get_credentials()
    assert isinstance(creds, AssumedRoleCredentials)
    assert creds.method == "strands-assume-role"
    assert creds.get_frozen_credentials().access_key != "testing"


def test_profile_role_chained_with_environment_role(
    aws_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    # profile "hub" itself assumes a role (botocore's own provider); the environment's role_arn comes on top.
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = x\n"
        "[profile hub]\nrole_arn = arn:aws:iam::222222222222:role/hub\nsource_profile = base\n"
        "role_session_name = hub-session\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    hub = AwsTarget("hub", "us-east-1", profile="hub")
    assert get_caller_identity(hub, factory).arn == "arn:aws:sts::222222222222:assumed-role/hub/hub-session"
    spoke = AwsTarget("prod", "us-east-1", profile="hub", role_arn=ROLE, session_name="strands-ci")
    identity = get_caller_identity(spoke, factory)
    assert identity.arn == "arn:aws:sts::111111111111:assumed-role/deployer/strands-ci"


def test_role_credentials_fetched_once_under_concurrent_first_use(aws_env) -> None:
    factory = AwsSessionFactory()
    target = AwsTarget("prod", "us-east-1", role_arn=ROLE, session_name="strands-threads")
    barrier = threading.Barrier(12)
    arns: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            arns.append(get_caller_identity(target, factory).arn)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert set(arns) == {"arn:aws:sts::111111111111:assumed-role/deployer/strands-threads"}
    creds = factory.session(target).get_credentials()
    assert isinstance(creds, AssumedRoleCredentials) and creds.expiry_time is not None
    factory.close()


def test_role_is_assumed_once_for_many_threads_and_signs_calls(aws_env, stub_aws: StubAws) -> None:
    stub_aws.script("AssumeRole", Reply(200, assume_role_answer("tok1")))
    stub_aws.script("GetCallerIdentity", Reply(200, caller_identity("111111111111")))
    factory = AwsSessionFactory()
    target = AwsTarget("prod", "us-east-1", endpoint_url=stub_aws.endpoint, role_arn=ROLE, external_id="ext-9")
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            get_caller_identity(target, factory)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert stub_aws.count("AssumeRole") == 1
    assume = next(r for r in stub_aws.requests if r["Action"] == "AssumeRole")
    assert assume["ExternalId"] == "ext-9" and assume["_token"] == ""  # signed with the source keys
    calls = [r for r in stub_aws.requests if r["Action"] == "GetCallerIdentity"]
    assert len(calls) == 10
    assert all(r["_token"] == "tok1" and "ASIASTUBTOK1" in r["_authorization"] for r in calls)
    factory.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize("duration", [900, 3600])
def test_assumed_credentials_refresh_before_they_expire(aws_env, duration: int) -> None:
    clock = Clock()
    factory = AwsSessionFactory(clock=clock)
    target = AwsTarget("prod", "us-east-1", role_arn=ROLE, duration_seconds=duration)
    sts = factory.client("sts", target)
    first = get_caller_identity(target, factory)
    creds = factory.session(target).get_credentials()
    key1 = creds.get_frozen_credentials().access_key
    expiry1 = creds.expiry_time
    assert expiry1 is not None

    clock.now += timedelta(minutes=2)  # plenty left: same keys, no new AssumeRole on every call
    assert sts.get_caller_identity()["Arn"] == first.arn
    assert creds.get_frozen_credentials().access_key == key1

    clock.now = expiry1 - timedelta(minutes=1)  # inside the mandatory refresh window
    second = sts.get_caller_identity()
    key2 = creds.get_frozen_credentials().access_key
    assert key2 != key1
    assert creds.expiry_time is not None and creds.expiry_time > expiry1
    assert second["Arn"] == first.arn
    factory.close()


def test_sso_profile_without_login_says_aws_sso_login(
    aws_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n"
        "[profile modern]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        "[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("HOME", str(tmp_path))  # empty SSO token cache
    for profile in ("dev", "modern"):
        with pytest.raises(CredentialsError) as info:
            get_caller_identity(AwsTarget("dev", "us-east-1", profile=profile), factory)
        err = info.value
        assert err.category is Category.CREDENTIALS
        assert "SSO" in err.summary
        assert f"aws sso login --profile {profile}" in err.hint


def test_emulator_targets_use_test_keys_never_the_real_ones(
    aws_env, stub_aws: StubAws, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    stub_aws.script("GetCallerIdentity", Reply(200, caller_identity()))
    local = AwsTarget("local", "us-east-1", emulator=True, endpoint_url=stub_aws.endpoint)
    get_caller_identity(local, factory)
    auth = stub_aws.requests[0]["_authorization"]
    assert "Credential=test/" in auth and "AKIAREALKEY" not in auth
    # the same default chain outside the emulator is another identity: separate sessions and clients
    real = AwsTarget("dev", "us-east-1", endpoint_url=stub_aws.endpoint)
    assert factory.session(real) is not factory.session(local)
    get_caller_identity(real, factory)
    assert "Credential=AKIAREALKEY/" in stub_aws.requests[1]["_authorization"]
