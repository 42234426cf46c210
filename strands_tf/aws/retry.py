"""Retry policy: botocore's own retry config for every client, and one bounded waiter for eventual things."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from botocore.config import Config

from strands_tf.errors import ProvisioningError, StrandsError, UserError

log = logging.getLogger(__name__)

T = TypeVar("T")
RetryMode = Literal["standard", "adaptive"]
USER_AGENT = "strands-tf"


@dataclass(frozen=True)
class ClientSettings:
    """Retry mode, attempts, timeouts and pool size applied to every boto3 client the factory makes."""

    retry_mode: RetryMode = "standard"
    max_attempts: int = 5  # total attempts, the first one included
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_pool_connections: int = 16

    def __post_init__(self) -> None:
        problems = []
        if self.retry_mode not in ("standard", "adaptive"):
            problems.append(f"retry mode {self.retry_mode!r} is not 'standard' or 'adaptive'")
        if not 1 <= self.max_attempts <= 20:
            problems.append(f"max_attempts {self.max_attempts} is outside 1-20")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            problems.append("timeouts must be positive numbers of seconds")
        if not 1 <= self.max_pool_connections <= 1000:
            problems.append(f"max_pool_connections {self.max_pool_connections} is outside 1-1000")
        if problems:
            raise UserError(
                f"Invalid AWS client settings: {problems[0]}",
                detail="\n".join(problems),
                hint="Fix the AWS retry/timeout settings and run the command again.",
            )


def client_config(settings: ClientSettings, *, path_style_s3: bool = False) -> Config:
    """The botocore Config every client gets: retries, timeouts, pool size, user agent."""
    kwargs: dict[str, object] = {
        "retries": {"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        "connect_timeout": settings.connect_timeout,
        "read_timeout": settings.read_timeout,
        "max_pool_connections": settings.max_pool_connections,
        "user_agent_extra": USER_AGENT,
    }
    if path_style_s3:
        # Emulators (moto, LocalStack) serve buckets under the path, not as virtual hosts.
        kwargs["s3"] = {"addressing_style": "path"}
    return Config(**kwargs)  # type: ignore[arg-type]


def backoff_delay(attempt: int, *, base: float, cap: float, rand: Callable[[], float]) -> float:
    """Full-jitter delay before retry ``attempt`` (1-based): uniform in [0, min(cap, base·2^(attempt-1))]."""
    ceiling = min(cap, base * (2 ** min(attempt - 1, 62)))
    return rand() * ceiling


class WaitTimeoutError(ProvisioningError):
    """Something eventual (IAM propagation, a bucket becoming visible) did not happen in time."""


def wait_until(
    predicate: Callable[[], T],
    *,
    what: str,
    timeout: float = 120.0,
    base: float = 0.5,
    cap: float = 10.0,
    retry_on: tuple[type[BaseException], ...] = (),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rand: Callable[[], float] = random.random,
) -> T:
    """Call ``predicate`` until it returns a truthy value, backing off with full jitter, for at most ``timeout``.

    Exceptions in ``retry_on`` count as "not yet"; any other exception propagates at once.
    The last check happens at the deadline, so the total wait never exceeds ``timeout``.
    """
    if timeout < 0 or base <= 0 or cap <= 0:
        raise ValueError("wait_until needs timeout >= 0 and positive base and cap")
    start = clock()
    attempt = 0
    last_error: BaseException | None = None
    while True:
        attempt += 1
        try:
            result = predicate()
        except retry_on as exc:
            last_error = exc
        else:
            if result:
                if attempt > 1:
                    log.debug("%s after %d checks, %.2fs", what, attempt, clock() - start)
                return result
        remaining = timeout - (clock() - start)
        if remaining <= 0:
            break
        delay = min(backoff_delay(attempt, base=base, cap=cap, rand=rand), remaining)
        log.debug("waiting for %s: check %d not yet, sleeping %.2fs", what, attempt, delay)
        sleep(delay)
    waited = clock() - start
    detail = f"Checked {attempt} times over {waited:.1f}s."
    if last_error is not None:
        last = last_error.summary if isinstance(last_error, StrandsError) else str(last_error)
        detail += f" Last check failed with: {last}"
    raise WaitTimeoutError(
        f"Timed out after {timeout:g}s waiting for {what}",
        detail=detail,
        hint=(
            "AWS may still be propagating the change: run the command again in a minute. "
            "If it keeps timing out, check the resource in the AWS console."
        ),
        data={"what": what, "attempts": attempt, "waited_seconds": round(waited, 3)},
    )
