"""Simulated VPC IPAM for the offline target: moto has no IPAM, so pools and allocations live in a file.

Whoever sets up the emulator declares the pools (``define_pool``); the emulator provider allocates CIDRs
from them for ``aws_vpc_ipam_pool_cidr_allocation``. The registry is one JSON file, guarded by a file lock
and replaced atomically, so concurrent Terraform runs (stacks applied in parallel) never hand out
overlapping ranges.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from strands_tf.errors import ConflictError, NotFoundError, StateError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE

IPAM_FILE_ENV = "STRANDS_TF_EMULATOR_IPAM_FILE"


@dataclass(frozen=True)
class Allocation:
    """One CIDR handed out from a pool."""

    allocation_id: str
    pool_id: str
    cidr: str
    description: str = ""


class IpamRegistry:
    """Pools (id → CIDR) and their allocations, persisted in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path) + ".lock", timeout=30, mode=PRIVATE_FILE_MODE)

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"pools": {}, "allocations": {}}
        except (OSError, ValueError) as exc:
            raise StateError(
                "the emulator's IPAM registry is damaged",
                detail=f"{self.path}: {exc}",
                hint="Delete the file and define the pools again (emulated allocations are then forgotten).",
            ) from exc
        data.setdefault("pools", {})
        data.setdefault("allocations", {})
        return data

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def define_pool(self, pool_id: str, cidr: str) -> None:
        """Declare (or redeclare with the same CIDR) a pool the emulator can allocate from."""
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError as exc:
            raise UserError(f"invalid IPAM pool CIDR {cidr!r}", detail=str(exc)) from exc
        with self._lock:
            data = self._load()
            existing = data["pools"].get(pool_id)
            if existing and existing["cidr"] != str(network):
                raise ConflictError(
                    f"IPAM pool {pool_id} is already defined as {existing['cidr']}",
                    hint="Use another pool id, or delete the registry to start over.",
                )
            data["pools"][pool_id] = {"cidr": str(network)}
            self._save(data)

    def allocate(
        self,
        pool_id: str,
        *,
        netmask_length: int | None = None,
        cidr: str | None = None,
        disallowed: list[str] | None = None,
        description: str = "",
    ) -> Allocation:
        """The first free block of the requested size (or the exact CIDR asked for)."""
        with self._lock:
            data = self._load()
            pool = data["pools"].get(pool_id)
            if pool is None:
                raise NotFoundError(
                    f"IPAM pool {pool_id} is not defined in the emulator",
                    hint="Declare it first with strands_tf.emulator.ipam.IpamRegistry.define_pool(pool_id, cidr).",
                )
            network = ipaddress.ip_network(pool["cidr"])
            taken = [ipaddress.ip_network(a["cidr"]) for a in data["allocations"].values() if a["pool_id"] == pool_id]
            blocked = taken + [ipaddress.ip_network(c) for c in disallowed or []]
            if cidr:
                wanted = ipaddress.ip_network(cidr)
                if not wanted.subnet_of(network):  # type: ignore[arg-type]
                    raise ConflictError(f"{cidr} is not inside IPAM pool {pool_id} ({network})")
                if any(wanted.overlaps(b) for b in blocked):  # type: ignore[arg-type]
                    raise ConflictError(f"{cidr} overlaps an existing allocation of IPAM pool {pool_id}")
                chosen = wanted
            else:
                if netmask_length is None:
                    raise UserError("an IPAM allocation needs netmask_length or cidr")
                chosen = next(
                    (c for c in network.subnets(new_prefix=netmask_length) if not any(c.overlaps(b) for b in blocked)),
                    None,
                )
                if chosen is None:
                    raise ConflictError(f"IPAM pool {pool_id} ({network}) has no free /{netmask_length} left")
            alloc = Allocation(f"ipam-pool-alloc-{secrets.token_hex(16)}", pool_id, str(chosen), description)
            data["allocations"][alloc.allocation_id] = asdict(alloc)
            self._save(data)
            return alloc

    def get(self, allocation_id: str) -> Allocation | None:
        """An allocation, or None if it was released."""
        with self._lock:
            raw = self._load()["allocations"].get(allocation_id)
        return Allocation(**raw) if raw else None

    def release(self, allocation_id: str) -> bool:
        """Give a CIDR back to its pool; False if it was not allocated."""
        with self._lock:
            data = self._load()
            if data["allocations"].pop(allocation_id, None) is None:
                return False
            self._save(data)
            return True

    def release_cidr(self, pool_id: str, cidr: str) -> bool:
        """Give back whatever allocation of a pool holds exactly `cidr` (a deleted VPC's range); False if none."""
        wanted = ipaddress.ip_network(cidr)
        with self._lock:
            data = self._load()
            found = next(
                (
                    alloc_id
                    for alloc_id, alloc in sorted(data["allocations"].items())
                    if alloc["pool_id"] == pool_id and ipaddress.ip_network(alloc["cidr"]) == wanted
                ),
                None,
            )
            if found is None:
                return False
            del data["allocations"][found]
            self._save(data)
            return True


def registry_from_env() -> IpamRegistry | None:
    """The registry named by ``$STRANDS_TF_EMULATOR_IPAM_FILE`` (None when unset)."""
    path = os.environ.get(IPAM_FILE_ENV)
    return IpamRegistry(Path(path)) if path else None
