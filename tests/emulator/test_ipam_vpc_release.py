"""The simulated IPAM registry gives a deleted VPC's range back by pool and CIDR (how aws_vpc releases it)."""

from __future__ import annotations

from pathlib import Path

from strands_tf.emulator.ipam import IpamRegistry


def test_release_cidr_frees_exactly_that_allocation(tmp_path: Path) -> None:
    reg = IpamRegistry(tmp_path / "ipam.json")
    reg.define_pool("ipam-pool-a", "10.0.0.0/16")
    reg.define_pool("ipam-pool-b", "10.0.0.0/16")
    first = reg.allocate("ipam-pool-a", netmask_length=20)
    second = reg.allocate("ipam-pool-a", netmask_length=20)
    other_pool = reg.allocate("ipam-pool-b", netmask_length=20)
    assert first.cidr == other_pool.cidr == "10.0.0.0/20"
    assert reg.release_cidr("ipam-pool-a", "10.0.0.0/20") is True
    assert reg.get(first.allocation_id) is None
    assert reg.get(second.allocation_id) == second and reg.get(other_pool.allocation_id) == other_pool
    assert reg.release_cidr("ipam-pool-a", "10.0.0.0/20") is False  # already given back
    assert reg.release_cidr("ipam-pool-a", "10.9.0.0/20") is False  # never allocated
    assert reg.release_cidr("ipam-pool-missing", "10.0.16.0/20") is False
    assert reg.allocate("ipam-pool-a", netmask_length=20).cidr == "10.0.0.0/20"
