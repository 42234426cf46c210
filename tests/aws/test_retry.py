"""Retry configuration for clients and the one bounded waiter (deterministic: injected clock/sleep/random)."""

from __future__ import annotations

import pytest

from strands_tf.aws.retry import ClientSettings, WaitTimeoutError, backoff_delay, client_config, wait_until
from strands_tf.errors import Category, NotFoundError, UserError


class FakeTime:
    """A clock that only moves when the waiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def test_client_config_carries_retries_timeouts_and_pool() -> None:
    config = client_config(
        ClientSettings(
            retry_mode="adaptive", max_attempts=7, connect_timeout=2, read_timeout=9, max_pool_connections=42
        )
    )
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (2, 9, 42)
    assert "strands-tf" in config.user_agent_extra
    assert config.s3 is None
    assert client_config(ClientSettings(), path_style_s3=True).s3 == {"addressing_style": "path"}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"retry_mode": "legacy"}, "retry mode"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"read_timeout": 0}, "timeouts"),
        ({"max_pool_connections": 0}, "max_pool_connections"),
    ],
)
def test_bad_client_settings_are_user_errors(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        ClientSettings(**kwargs)  # type: ignore[arg-type]


def test_backoff_is_full_jitter_between_zero_and_capped_exponential() -> None:
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 5.0), (60, 5.0), (500, 5.0)]:
        assert backoff_delay(attempt, base=0.5, cap=5.0, rand=lambda: 0.0) == 0.0
        assert backoff_delay(attempt, base=0.5, cap=5.0, rand=lambda: 1.0) == ceiling
        assert backoff_delay(attempt, base=0.5, cap=5.0, rand=lambda: 0.5) == ceiling / 2


def test_wait_until_returns_the_first_truthy_value_after_backing_off() -> None:
    t = FakeTime()
    answers = iter([None, False, [], "visible"])
    result = wait_until(
        lambda: next(answers),
        what="bucket",
        timeout=60,
        base=1,
        cap=8,
        sleep=t.sleep,
        clock=t.clock,
        rand=lambda: 1.0,
    )
    assert result == "visible"
    assert t.sleeps == [1, 2, 4]  # rand=1 shows the ceilings: base·2^(n-1)


def test_wait_until_never_waits_longer_than_the_timeout() -> None:
    t = FakeTime()
    calls = []

    def never() -> bool:
        calls.append(t.now)
        return False

    with pytest.raises(WaitTimeoutError) as info:
        wait_until(
            never,
            what="IAM role propagation",
            timeout=10,
            base=1,
            cap=4,
            sleep=t.sleep,
            clock=t.clock,
            rand=lambda: 1.0,
        )
    assert sum(t.sleeps) == pytest.approx(10)
    assert t.sleeps == [1, 2, 4, 3]  # the last sleep is cut to the deadline
    assert max(t.sleeps) <= 4
    assert calls[-1] == pytest.approx(1010)  # one last check exactly at the deadline
    err = info.value
    assert err.category is Category.PROVISIONING and err.exit_code == 3
    assert "IAM role propagation" in err.summary and err.data["attempts"] == 5
    assert err.hint


def test_wait_until_retries_listed_exceptions_and_reports_the_last() -> None:
    t = FakeTime()

    def missing() -> bool:
        raise NotFoundError("bucket b not visible yet")

    with pytest.raises(WaitTimeoutError) as info:
        wait_until(
            missing,
            what="bucket b",
            timeout=3,
            retry_on=(NotFoundError,),
            sleep=t.sleep,
            clock=t.clock,
            rand=lambda: 0.5,
        )
    assert "bucket b not visible yet" in info.value.detail


def test_wait_until_propagates_other_exceptions_at_once() -> None:
    t = FakeTime()

    def broken() -> bool:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        wait_until(broken, what="x", timeout=30, retry_on=(NotFoundError,), sleep=t.sleep, clock=t.clock)
    assert t.sleeps == []


def test_wait_until_zero_timeout_checks_once() -> None:
    t = FakeTime()
    with pytest.raises(WaitTimeoutError):
        wait_until(lambda: False, what="x", timeout=0, sleep=t.sleep, clock=t.clock)
    assert t.sleeps == []
    with pytest.raises(ValueError):
        wait_until(lambda: True, what="x", base=0)


def test_wait_until_with_real_time_is_bounded() -> None:
    import time

    start = time.monotonic()
    with pytest.raises(WaitTimeoutError):
        wait_until(lambda: False, what="x", timeout=0.3, base=0.05, cap=0.1)
    assert time.monotonic() - start < 2.0


@pytest.mark.moto
def test_wait_until_a_bucket_becomes_visible_over_real_http(aws_env) -> None:
    import threading

    from strands_tf.aws.errors import aws_errors
    from strands_tf.aws.session import AwsSessionFactory
    from strands_tf.aws.target import AwsTarget

    factory = AwsSessionFactory()
    target = AwsTarget("dev", "us-east-1")
    s3 = factory.client("s3", target)
    checks = []

    def visible() -> bool:
        checks.append(1)
        with aws_errors(target, "s3:HeadBucket"):
            s3.head_bucket(Bucket="eventually-there")
        return True

    timer = threading.Timer(0.3, lambda: s3.create_bucket(Bucket="eventually-there"))
    timer.start()
    try:
        assert (
            wait_until(
                visible, what="bucket eventually-there", timeout=20, base=0.05, cap=0.2, retry_on=(NotFoundError,)
            )
            is True
        )
    finally:
        timer.join()
        factory.close()
    assert len(checks) >= 2  # not there at first, then seen without waiting for the timeout
