"""Usage the estimate assumes: the `usage:` block over documented defaults, each figure saying where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from strands_tf.config.resolve import ResolvedProject

# documented in docs/cost.md ("Usage defaults"); change both together
AGENT_DEFAULTS: dict[str, Decimal] = {
    "invocations": Decimal(10_000),
    "duration_ms": Decimal(3_000),
    "input_tokens": Decimal(2_000),
    "output_tokens": Decimal(500),
    "log_kb": Decimal(4),
}
RESOURCE_STORAGE_GB = Decimal(1)
NETWORK_DEFAULTS: dict[str, Decimal] = {"nat_gb": Decimal(10), "endpoint_gb": Decimal(1), "flow_log_gb": Decimal(1)}
API_LOG_KB = Decimal("0.5")
SQS_REQUESTS_PER_MESSAGE = 3  # send, receive, delete
_READS = {"read", "read_write", "consume"}
_WRITES = {"write", "read_write", "publish"}


@dataclass(frozen=True)
class Figure:
    """One usage figure and where it came from (`usage.agents.support.invocations`, `default`, `derived ...`)."""

    value: Decimal
    origin: str

    def text(self, unit: str = "") -> str:
        """`1,000,000 invocations (usage.agents.support)`."""
        return f"{number(self.value)}{' ' + unit if unit else ''} ({self.origin})"


def number(value: Decimal) -> str:
    """A figure for people: thousands separators, no trailing zeros."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class UsageModel:
    """The usage of one resolved project, with the defaults applied on demand."""

    project: ResolvedProject

    @property
    def raw(self) -> Mapping[str, Any]:
        return self.project.usage or {}

    def agent(self, name: str, field: str) -> Figure:
        """An agent's usage figure: its own entry, else `usage.defaults`, else the built-in default."""
        own = (self.raw.get("agents") or {}).get(name) or {}
        if field in own:
            return Figure(_dec(own[field]), f"usage.agents.{name}.{field}")
        defaults = self.raw.get("defaults") or {}
        if field in defaults:
            return Figure(_dec(defaults[field]), f"usage.defaults.{field}")
        return Figure(AGENT_DEFAULTS[field], "default")

    def _resource_given(self, name: str, field: str) -> Figure | None:
        own = (self.raw.get("resources") or {}).get(name) or {}
        if field in own:
            return Figure(_dec(own[field]), f"usage.resources.{name}.{field}")
        return None

    def storage_gb(self, name: str) -> Figure:
        """GB stored in an s3 bucket or dynamodb table."""
        return self._resource_given(name, "storage_gb") or Figure(RESOURCE_STORAGE_GB, "default")

    def accesses(self, name: str, field: str) -> Figure:
        """reads or writes of a table or bucket: given, else one per invocation of each agent allowed to."""
        given = self._resource_given(name, field)
        if given is not None:
            return given
        wanted = _READS if field == "reads" else _WRITES
        users = [
            a.name
            for a in self.project.agents.values()
            for p in a.permissions
            if p.resource == name and (p.access in wanted or (p.access is None and p.actions))
        ]
        if not users:
            return Figure(
                Decimal(0), "default: no agent is allowed to " + ("read it" if field == "reads" else "write it")
            )
        total = sum((self.agent(u, "invocations").value for u in users), Decimal(0))
        return Figure(total, f"derived: one per invocation of {', '.join(sorted(set(users)))}")

    def requests(self, name: str, kind: str) -> Figure:
        """sqs requests or sns publishes: given, else derived from the agents it triggers or that publish to it."""
        given = self._resource_given(name, "requests")
        if given is not None:
            return given
        agents = self.project.agents.values()
        publishers = [a.name for a in agents for p in a.permissions if p.resource == name and p.access in _WRITES]
        consumers = [a.name for a in agents for t in a.triggers if t.queue == name]
        if kind == "sns":
            total = sum((self.agent(a, "invocations").value for a in publishers), Decimal(0))
            return Figure(total, f"derived: one per invocation of {', '.join(publishers)}" if publishers else "default")
        messages = sum((self.agent(a, "invocations").value for a in (*publishers, *consumers)), Decimal(0))
        who = sorted(set(publishers) | set(consumers))
        if not who:
            return Figure(Decimal(0), "default: no agent sends to or reads from it")
        return Figure(
            messages * SQS_REQUESTS_PER_MESSAGE,
            f"derived: {SQS_REQUESTS_PER_MESSAGE} requests per message, one message per invocation of {', '.join(who)}",
        )

    def network(self, field: str) -> Figure:
        """VPC traffic figures."""
        given = self.raw.get("network") or {}
        if field in given:
            return Figure(_dec(given[field]), f"usage.network.{field}")
        return Figure(NETWORK_DEFAULTS[field], "default")

    def api_log_kb(self) -> Figure:
        """Access log KB per HTTP API request."""
        given = self.raw.get("api") or {}
        if "log_kb" in given:
            return Figure(_dec(given["log_kb"]), "usage.api.log_kb")
        return Figure(API_LOG_KB, "default")
