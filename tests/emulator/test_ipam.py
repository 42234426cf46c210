"""The simulated IPAM registry: allocation, conflicts, release, damage, concurrency."""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from strands_tf.emulator.ipam import IpamRegistry
from strands_tf.errors import ConflictError, NotFoundError, StateError, UserError


def test_allocates_first_free_blocks_and_releases(tmp_path: Path) -> None:
    reg = IpamRegistry(tmp_path / "ipam.json")
    reg.define_pool("ipam-pool-a", "10.0.0.0/16")
    a = reg.allocate("ipam-pool-a", netmask_length=24)
    b = reg.allocate("ipam-pool-a", netmask_length=24, disallowed=["10.0.1.0/24"])
    assert (a.cidr, b.cidr) == ("10.0.0.0/24", "10.0.2.0/24")
    exact = reg.allocate("ipam-pool-a", cidr="10.0.128.0/20", description="fixed")
    assert reg.get(exact.allocation_id) == exact
    with pytest.raises(ConflictError):
        reg.allocate("ipam-pool-a", cidr="10.0.0.0/23")  # overlaps a
    with pytest.raises(ConflictError):
        reg.allocate("ipam-pool-a", cidr="192.168.0.0/24")  # outside the pool
    assert reg.release(a.allocation_id) is True
    assert reg.release(a.allocation_id) is False
    assert reg.allocate("ipam-pool-a", netmask_length=24).cidr == "10.0.0.0/24"  # reused


def test_bad_input(tmp_path: Path) -> None:
    reg = IpamRegistry(tmp_path / "ipam.json")
    with pytest.raises(UserError):
        reg.define_pool("p", "not-a-cidr")
    reg.define_pool("p", "10.1.0.0/24")
    reg.define_pool("p", "10.1.0.0/24")  # same definition again is fine
    with pytest.raises(ConflictError):
        reg.define_pool("p", "10.2.0.0/24")
    with pytest.raises(NotFoundError):
        reg.allocate("missing", netmask_length=28)
    with pytest.raises(UserError):
        reg.allocate("p")
    reg.allocate("p", netmask_length=25)
    reg.allocate("p", netmask_length=25)
    with pytest.raises(ConflictError, match="no free /25"):
        reg.allocate("p", netmask_length=25)
    (tmp_path / "ipam.json").write_text("{broken")
    with pytest.raises(StateError):
        reg.get("x")


def test_concurrent_allocations_never_overlap(tmp_path: Path) -> None:
    path = tmp_path / "ipam.json"
    IpamRegistry(path).define_pool("pool", "10.8.0.0/16")
    with ThreadPoolExecutor(8) as pool:
        cidrs = list(pool.map(lambda _: IpamRegistry(path).allocate("pool", netmask_length=24).cidr, range(24)))
    nets = [ipaddress.ip_network(c) for c in cidrs]
    assert len(set(cidrs)) == 24
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
