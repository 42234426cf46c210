"""VPC networking: VPCs, subnets, internet gateways, security groups and security group rules."""

from __future__ import annotations

import json
import zlib
from typing import Any

from botocore.exceptions import ClientError

from strands_tf.emulator.ipam import IPAM_FILE_ENV, registry_from_env
from strands_tf.emulator.provider.documents import policies_equivalent
from strands_tf.emulator.provider.resources.base import ProviderFailure, ResourceHandler, State, known
from strands_tf.emulator.provider.resources.naming import resolve_name
from strands_tf.emulator.provider.resources.tags import split_tags, tag_list, tags_from_list
from strands_tf.errors import StrandsError


def _missing(exc: Exception) -> bool:
    return isinstance(exc, ClientError) and str(exc.response.get("Error", {}).get("Code", "")).endswith(
        (".NotFound", "NotFound")
    )


class _Ec2(ResourceHandler):
    """Shared EC2 tag handling (tags live on the resource id)."""

    def ec2(self) -> Any:
        return self.aws.client("ec2")

    def tag_spec(self, kind: str, s: State) -> list[dict[str, Any]]:
        tags = s.get("tags_all") or {}
        return [{"ResourceType": kind, "Tags": tag_list(tags)}] if tags else []

    def sync_tags(self, resource_id: str, prior: State, planned: State) -> None:
        old, new = prior.get("tags_all") or {}, planned.get("tags_all") or {}
        if old == new:
            return
        removed = [{"Key": k} for k in old if k not in new]
        if removed:
            self.ec2().delete_tags(Resources=[resource_id], Tags=removed)
        if new:
            self.ec2().create_tags(Resources=[resource_id], Tags=tag_list(new))

    def tags_of(self, obj: dict[str, Any], state: State) -> tuple[dict[str, str] | None, dict[str, str]]:
        return split_tags(tags_from_list(obj.get("Tags") or []), self.aws.default_tags, state.get("tags"))

    def arn_of(self, kind: str, resource_id: str) -> str:
        return f"arn:aws:ec2:{self.aws.region}:{self.aws.account_id}:{kind}/{resource_id}"


class Vpc(_Ec2):
    type_name = "aws_vpc"
    force_new = frozenset({"cidr_block", "instance_tenancy", "ipv4_ipam_pool_id", "ipv4_netmask_length"})
    defaults = {"enable_dns_support": True, "instance_tenancy": "default", "assign_generated_ipv6_cidr_block": False}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None:
            for name in ("enable_dns_hostnames", "enable_network_address_usage_metrics"):
                if config.get(name) is None:
                    planned[name] = False

    def _attributes(self, vpc_id: str, planned: State, prior: State) -> None:
        for tf, api in (
            ("enable_dns_support", "EnableDnsSupport"),
            ("enable_dns_hostnames", "EnableDnsHostnames"),
            ("enable_network_address_usage_metrics", "EnableNetworkAddressUsageMetrics"),
        ):
            value = planned.get(tf)
            if known(value) and value is not None and value != prior.get(tf):
                self.ec2().modify_vpc_attribute(VpcId=vpc_id, **{api: {"Value": bool(value)}})

    def create(self, planned: State, config: State) -> State:
        cidr = planned.get("cidr_block") if known(planned.get("cidr_block")) else None
        pool = planned.get("ipv4_ipam_pool_id")
        allocation = None
        if not cidr and pool:
            allocation = self._allocate(pool, planned.get("ipv4_netmask_length"))
            cidr = allocation.cidr
        if not cidr:
            raise ProviderFailure("creating EC2 VPC: one of cidr_block or ipv4_ipam_pool_id is required")
        kwargs: dict[str, Any] = {
            "CidrBlock": cidr,
            "InstanceTenancy": planned.get("instance_tenancy") or "default",
            "AmazonProvidedIpv6CidrBlock": bool(planned.get("assign_generated_ipv6_cidr_block")),
            "TagSpecifications": self.tag_spec("vpc", planned),
        }
        try:
            vpc_id = self.ec2().create_vpc(**kwargs)["Vpc"]["VpcId"]
        except BaseException:
            if allocation is not None:
                _ipam_registry().release(allocation.allocation_id)
            raise
        self._attributes(
            vpc_id,
            planned,
            {"enable_dns_support": True, "enable_dns_hostnames": False, "enable_network_address_usage_metrics": False},
        )
        return self.read({**planned, "id": vpc_id}) or planned

    def _allocate(self, pool: str, netmask_length: Any) -> Any:
        """AWS allocates a VPC's CIDR from the pool itself; the emulator takes it from the simulated registry."""
        if not known(netmask_length) or netmask_length is None:
            raise ProviderFailure(f"creating EC2 VPC from IPAM pool {pool}: ipv4_netmask_length is required")
        try:
            return _ipam_registry().allocate(pool, netmask_length=int(netmask_length), description="aws_vpc")
        except StrandsError as exc:
            raise ProviderFailure(f"creating EC2 VPC from IPAM pool {pool}: {exc.summary}", exc.hint or "") from exc

    def read(self, state: State) -> State | None:
        ec2 = self.ec2()
        vpc_id = state["id"]
        try:
            vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

        def attr(name: str) -> bool:
            key = name[0].upper() + name[1:]
            try:
                return bool(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)[key]["Value"])
            except ClientError:
                return False

        vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
        main_rt = ec2.describe_route_tables(Filters=[*vpc_filter, {"Name": "association.main", "Values": ["true"]}])
        default_sg = ec2.describe_security_groups(Filters=[*vpc_filter, {"Name": "group-name", "Values": ["default"]}])
        default_acl = ec2.describe_network_acls(Filters=[*vpc_filter, {"Name": "default", "Values": ["true"]}])
        main_rt_id = next((rt["RouteTableId"] for rt in main_rt.get("RouteTables", [])), "")
        ipv6 = next(iter(vpc.get("Ipv6CidrBlockAssociationSet") or []), {})
        tags, tags_all = self.tags_of(vpc, state)
        return {
            "id": vpc_id,
            "arn": self.arn_of("vpc", vpc_id),
            "cidr_block": vpc["CidrBlock"],
            "instance_tenancy": vpc.get("InstanceTenancy", "default"),
            "owner_id": vpc.get("OwnerId", self.aws.account_id),
            "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
            "enable_dns_support": attr("enableDnsSupport"),
            "enable_dns_hostnames": attr("enableDnsHostnames"),
            "enable_network_address_usage_metrics": state.get("enable_network_address_usage_metrics")
            if known(state.get("enable_network_address_usage_metrics"))
            else False,
            "main_route_table_id": main_rt_id,
            "default_route_table_id": main_rt_id,
            "default_security_group_id": next((g["GroupId"] for g in default_sg.get("SecurityGroups", [])), ""),
            "default_network_acl_id": next((a["NetworkAclId"] for a in default_acl.get("NetworkAcls", [])), ""),
            "ipv6_cidr_block": ipv6.get("Ipv6CidrBlock", ""),
            "ipv6_association_id": ipv6.get("AssociationId", ""),
            "ipv6_cidr_block_network_border_group": ipv6.get("NetworkBorderGroup", ""),
            # moto knows nothing of IPAM: the pool the CIDR came from is what the state says
            "ipv4_ipam_pool_id": state.get("ipv4_ipam_pool_id") if known(state.get("ipv4_ipam_pool_id")) else None,
            "ipv4_netmask_length": state.get("ipv4_netmask_length")
            if known(state.get("ipv4_netmask_length"))
            else None,
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self._attributes(prior["id"], planned, prior)
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_vpc(VpcId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise
        if state.get("ipv4_ipam_pool_id") and state.get("cidr_block"):
            # deleting the VPC gives its CIDR back to the pool, as IPAM does
            _ipam_registry().release_cidr(state["ipv4_ipam_pool_id"], state["cidr_block"])


def _ipam_registry() -> Any:
    registry = registry_from_env()
    if registry is None:
        raise ProviderFailure(
            "IPAM is simulated by the emulator provider and no registry is configured",
            f"Set {IPAM_FILE_ENV} to a registry file whose pools were declared with "
            "strands_tf.emulator.ipam.IpamRegistry.define_pool().",
        )
    return registry


class Subnet(_Ec2):
    type_name = "aws_subnet"
    force_new = frozenset({"vpc_id", "cidr_block", "availability_zone", "availability_zone_id"})
    defaults = {
        "map_public_ip_on_launch": False,
        "assign_ipv6_address_on_creation": False,
        "enable_dns64": False,
        "ipv6_native": False,
        "enable_resource_name_dns_a_record_on_launch": False,
        "enable_resource_name_dns_aaaa_record_on_launch": False,
    }

    def create(self, planned: State, config: State) -> State:
        kwargs: dict[str, Any] = {
            "VpcId": planned["vpc_id"],
            "CidrBlock": planned["cidr_block"],
            "TagSpecifications": self.tag_spec("subnet", planned),
        }
        if known(planned.get("availability_zone")) and planned.get("availability_zone"):
            kwargs["AvailabilityZone"] = planned["availability_zone"]
        subnet_id = self.ec2().create_subnet(**kwargs)["Subnet"]["SubnetId"]
        if planned.get("map_public_ip_on_launch"):
            self.ec2().modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        return self.read({**planned, "id": subnet_id}) or planned

    def read(self, state: State) -> State | None:
        try:
            subnet = self.ec2().describe_subnets(SubnetIds=[state["id"]])["Subnets"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        tags, tags_all = self.tags_of(subnet, state)
        ipv6 = next(iter(subnet.get("Ipv6CidrBlockAssociationSet") or []), {})
        dns = subnet.get("PrivateDnsNameOptionsOnLaunch") or {}
        return {
            "id": subnet["SubnetId"],
            "arn": subnet.get("SubnetArn") or self.arn_of("subnet", subnet["SubnetId"]),
            "vpc_id": subnet["VpcId"],
            "cidr_block": subnet["CidrBlock"],
            "availability_zone": subnet["AvailabilityZone"],
            "availability_zone_id": subnet.get("AvailabilityZoneId", ""),
            "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch", False)),
            "assign_ipv6_address_on_creation": bool(subnet.get("AssignIpv6AddressOnCreation", False)),
            "owner_id": subnet.get("OwnerId", self.aws.account_id),
            "ipv6_cidr_block": ipv6.get("Ipv6CidrBlock", ""),
            "ipv6_cidr_block_association_id": ipv6.get("AssociationId", ""),
            "private_dns_hostname_type_on_launch": dns.get("HostnameType", "ip-name"),
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        if bool(planned.get("map_public_ip_on_launch")) != bool(prior.get("map_public_ip_on_launch")):
            self.ec2().modify_subnet_attribute(
                SubnetId=prior["id"], MapPublicIpOnLaunch={"Value": bool(planned.get("map_public_ip_on_launch"))}
            )
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_subnet(SubnetId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


class InternetGateway(_Ec2):
    type_name = "aws_internet_gateway"

    def create(self, planned: State, config: State) -> State:
        igw_id = self.ec2().create_internet_gateway(TagSpecifications=self.tag_spec("internet-gateway", planned))[
            "InternetGateway"
        ]["InternetGatewayId"]
        if known(planned.get("vpc_id")) and planned.get("vpc_id"):
            self.ec2().attach_internet_gateway(InternetGatewayId=igw_id, VpcId=planned["vpc_id"])
        return self.read({**planned, "id": igw_id}) or planned

    def read(self, state: State) -> State | None:
        try:
            igw = self.ec2().describe_internet_gateways(InternetGatewayIds=[state["id"]])["InternetGateways"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        tags, tags_all = self.tags_of(igw, state)
        attached = next((a["VpcId"] for a in igw.get("Attachments", [])), "")
        return {
            "id": igw["InternetGatewayId"],
            "arn": self.arn_of("internet-gateway", igw["InternetGatewayId"]),
            "owner_id": igw.get("OwnerId", self.aws.account_id),
            "vpc_id": attached,
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        ec2 = self.ec2()
        if planned.get("vpc_id") != prior.get("vpc_id"):
            if prior.get("vpc_id"):
                ec2.detach_internet_gateway(InternetGatewayId=prior["id"], VpcId=prior["vpc_id"])
            if planned.get("vpc_id"):
                ec2.attach_internet_gateway(InternetGatewayId=prior["id"], VpcId=planned["vpc_id"])
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        ec2 = self.ec2()
        try:
            if state.get("vpc_id"):
                ec2.detach_internet_gateway(InternetGatewayId=state["id"], VpcId=state["vpc_id"])
            ec2.delete_internet_gateway(InternetGatewayId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


def _permission(rule: dict[str, Any], own_id: str) -> dict[str, Any]:
    """A security group rule object (Terraform) → an IpPermission (API)."""
    perm: dict[str, Any] = {"IpProtocol": str(rule.get("protocol") or "-1")}
    if perm["IpProtocol"] != "-1":
        perm["FromPort"] = int(rule.get("from_port") or 0)
        perm["ToPort"] = int(rule.get("to_port") or 0)
    desc = rule.get("description") or None
    perm["IpRanges"] = [{"CidrIp": c, **({"Description": desc} if desc else {})} for c in rule.get("cidr_blocks") or []]
    perm["Ipv6Ranges"] = [
        {"CidrIpv6": c, **({"Description": desc} if desc else {})} for c in rule.get("ipv6_cidr_blocks") or []
    ]
    perm["PrefixListIds"] = [{"PrefixListId": p} for p in rule.get("prefix_list_ids") or []]
    groups = list(rule.get("security_groups") or [])
    if rule.get("self"):
        groups.append(own_id)
    perm["UserIdGroupPairs"] = [{"GroupId": g} for g in sorted(set(groups))]
    return perm


def _rule(perm: dict[str, Any], own_id: str) -> dict[str, Any]:
    """An IpPermission (API) → a security group rule object (Terraform)."""
    groups = [p["GroupId"] for p in perm.get("UserIdGroupPairs", [])]
    descs = [
        r.get("Description") for r in perm.get("IpRanges", []) + perm.get("Ipv6Ranges", []) if r.get("Description")
    ]
    proto = str(perm.get("IpProtocol", "-1"))
    return {
        "protocol": proto,
        "from_port": perm.get("FromPort", 0) if proto != "-1" else 0,
        "to_port": perm.get("ToPort", 0) if proto != "-1" else 0,
        "cidr_blocks": [r["CidrIp"] for r in perm.get("IpRanges", [])],
        "ipv6_cidr_blocks": [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", [])],
        "prefix_list_ids": [p["PrefixListId"] for p in perm.get("PrefixListIds", [])],
        "security_groups": sorted(g for g in groups if g != own_id),
        "self": own_id in groups,
        "description": descs[0] if descs else "",
    }


def _canon_rules(rules: Any, own_id: str) -> list[str]:
    return sorted(json.dumps(_rule(_permission(r, own_id), own_id), sort_keys=True) for r in rules or [])


class SecurityGroup(_Ec2):
    type_name = "aws_security_group"
    force_new = frozenset({"name", "name_prefix", "vpc_id", "description"})
    defaults = {"description": "Managed by Terraform", "revoke_rules_on_delete": False}

    def create(self, planned: State, config: State) -> State:
        ec2 = self.ec2()
        name = resolve_name(config.get("name"), config.get("name_prefix"))
        kwargs: dict[str, Any] = {
            "GroupName": name,
            "Description": planned.get("description") or "Managed by Terraform",
            "TagSpecifications": self.tag_spec("security-group", planned),
        }
        if known(planned.get("vpc_id")) and planned.get("vpc_id"):
            kwargs["VpcId"] = planned["vpc_id"]
        sg_id = ec2.create_security_group(**kwargs)["GroupId"]
        # like the real provider: the default allow-all egress rule goes; only configured rules remain
        current = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
        if current.get("IpPermissionsEgress"):
            ec2.revoke_security_group_egress(GroupId=sg_id, IpPermissions=current["IpPermissionsEgress"])
        self._apply_rules(sg_id, {}, planned)
        return self.read({**planned, "id": sg_id, "name": name}) or planned

    def _apply_rules(self, sg_id: str, prior: State, planned: State) -> None:
        ec2 = self.ec2()
        for key, authorize, revoke in (
            ("ingress", ec2.authorize_security_group_ingress, ec2.revoke_security_group_ingress),
            ("egress", ec2.authorize_security_group_egress, ec2.revoke_security_group_egress),
        ):
            new = planned.get(key)
            if not known(new) or new is None:
                continue
            old = prior.get(key) or []
            if _canon_rules(old, sg_id) == _canon_rules(new, sg_id):
                continue
            if old:
                revoke(GroupId=sg_id, IpPermissions=[_permission(r, sg_id) for r in old])
            if new:
                authorize(GroupId=sg_id, IpPermissions=[_permission(r, sg_id) for r in new])

    def read(self, state: State) -> State | None:
        try:
            sg = self.ec2().describe_security_groups(GroupIds=[state["id"]])["SecurityGroups"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        sg_id = sg["GroupId"]
        tags, tags_all = self.tags_of(sg, state)
        out: State = {
            "id": sg_id,
            "arn": self.arn_of("security-group", sg_id),
            "name": sg["GroupName"],
            "description": sg.get("Description", ""),
            "vpc_id": sg.get("VpcId", ""),
            "owner_id": sg.get("OwnerId", self.aws.account_id),
            "tags": tags,
            "tags_all": tags_all,
        }
        for key, api in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
            rules = [_rule(p, sg_id) for p in sg.get(api, [])]
            prior = state.get(key)
            # keep the configuration's own shape when it means the same rules
            keep = (
                known(prior)
                and prior is not None
                and _canon_rules(prior, sg_id) == sorted(json.dumps(r, sort_keys=True) for r in rules)
            )
            out[key] = prior if keep else rules
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        self._apply_rules(prior["id"], prior, planned)
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        ec2 = self.ec2()
        try:
            if state.get("revoke_rules_on_delete"):
                sg = ec2.describe_security_groups(GroupIds=[state["id"]])["SecurityGroups"][0]
                if sg.get("IpPermissions"):
                    ec2.revoke_security_group_ingress(GroupId=state["id"], IpPermissions=sg["IpPermissions"])
                if sg.get("IpPermissionsEgress"):
                    ec2.revoke_security_group_egress(GroupId=state["id"], IpPermissions=sg["IpPermissionsEgress"])
            ec2.delete_security_group(GroupId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


class DefaultSecurityGroup(SecurityGroup):
    """aws_default_security_group: adopts the VPC's default group, which AWS creates and deletes with the VPC."""

    type_name = "aws_default_security_group"
    force_new = frozenset({"vpc_id"})
    defaults = {"revoke_rules_on_delete": False}

    def create(self, planned: State, config: State) -> State:
        ec2 = self.ec2()
        vpc_id = planned.get("vpc_id")
        if not known(vpc_id) or not vpc_id:
            raise ProviderFailure("adopting the default security group: vpc_id is required")
        filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
        groups = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
        if not groups:
            raise ProviderFailure(f"adopting the default security group: VPC {vpc_id} has none")
        group = groups[0]
        sg_id = group["GroupId"]
        # like the real provider: adopting the group removes every rule, then adds the configured ones
        if group.get("IpPermissions"):
            ec2.revoke_security_group_ingress(GroupId=sg_id, IpPermissions=group["IpPermissions"])
        if group.get("IpPermissionsEgress"):
            ec2.revoke_security_group_egress(GroupId=sg_id, IpPermissions=group["IpPermissionsEgress"])
        self._apply_rules(sg_id, {}, planned)
        self.sync_tags(sg_id, {}, planned)
        return self.read({**planned, "id": sg_id}) or planned

    def delete(self, state: State) -> None:
        """The default group cannot be deleted: Terraform only forgets it (its rules stay as they are)."""


class _SecurityGroupRule(_Ec2):
    """aws_vpc_security_group_(ingress|egress)_rule: one rule with its own id."""

    egress: bool
    force_new = frozenset(
        {
            "security_group_id",
            "ip_protocol",
            "from_port",
            "to_port",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
        }
    )

    def _permission(self, s: State) -> dict[str, Any]:
        perm: dict[str, Any] = {"IpProtocol": s["ip_protocol"]}
        if s["ip_protocol"] not in ("-1", "all"):
            perm["FromPort"] = int(s.get("from_port") if s.get("from_port") is not None else -1)
            perm["ToPort"] = int(s.get("to_port") if s.get("to_port") is not None else -1)
        desc = {"Description": s["description"]} if s.get("description") else {}
        if s.get("cidr_ipv4"):
            perm["IpRanges"] = [{"CidrIp": s["cidr_ipv4"], **desc}]
        if s.get("cidr_ipv6"):
            perm["Ipv6Ranges"] = [{"CidrIpv6": s["cidr_ipv6"], **desc}]
        if s.get("prefix_list_id"):
            perm["PrefixListIds"] = [{"PrefixListId": s["prefix_list_id"], **desc}]
        if s.get("referenced_security_group_id"):
            perm["UserIdGroupPairs"] = [{"GroupId": s["referenced_security_group_id"], **desc}]
        return perm

    def create(self, planned: State, config: State) -> State:
        ec2 = self.ec2()
        call = ec2.authorize_security_group_egress if self.egress else ec2.authorize_security_group_ingress
        kwargs: dict[str, Any] = {"GroupId": planned["security_group_id"], "IpPermissions": [self._permission(planned)]}
        if planned.get("tags_all"):
            kwargs["TagSpecifications"] = self.tag_spec("security-group-rule", planned)
        rules = call(**kwargs).get("SecurityGroupRules") or []
        if not rules:
            raise ProviderFailure(f"creating {self.type_name}: the emulator returned no rule id")
        return self.read({**planned, "id": rules[0]["SecurityGroupRuleId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            rules = self.ec2().describe_security_group_rules(SecurityGroupRuleIds=[state["id"]])["SecurityGroupRules"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        if not rules:
            return None
        rule = rules[0]
        tags, tags_all = self.tags_of(rule, state)
        proto = str(rule.get("IpProtocol", "-1"))
        ref = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
        return {
            "id": rule["SecurityGroupRuleId"],
            "security_group_rule_id": rule["SecurityGroupRuleId"],
            "arn": self.arn_of("security-group-rule", rule["SecurityGroupRuleId"]),
            "security_group_id": rule["GroupId"],
            "ip_protocol": state.get("ip_protocol") if proto == "-1" and state.get("ip_protocol") == "-1" else proto,
            "from_port": rule.get("FromPort") if proto != "-1" else state.get("from_port"),
            "to_port": rule.get("ToPort") if proto != "-1" else state.get("to_port"),
            "cidr_ipv4": rule.get("CidrIpv4") or state.get("cidr_ipv4"),
            "cidr_ipv6": rule.get("CidrIpv6") or state.get("cidr_ipv6"),
            "prefix_list_id": rule.get("PrefixListId") or state.get("prefix_list_id"),
            "referenced_security_group_id": ref or state.get("referenced_security_group_id"),
            "description": rule.get("Description") or state.get("description"),
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        if (planned.get("description") or "") != (prior.get("description") or ""):
            self.ec2().modify_security_group_rules(
                GroupId=prior["security_group_id"],
                SecurityGroupRules=[
                    {"SecurityGroupRuleId": prior["id"], "SecurityGroupRule": {**self._rule_request(planned)}}
                ],
            )
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def _rule_request(self, s: State) -> dict[str, Any]:
        body: dict[str, Any] = {"IpProtocol": s["ip_protocol"]}
        for tf, api in (("from_port", "FromPort"), ("to_port", "ToPort")):
            if s.get(tf) is not None:
                body[api] = int(s[tf])
        for tf, api in (
            ("cidr_ipv4", "CidrIpv4"),
            ("cidr_ipv6", "CidrIpv6"),
            ("prefix_list_id", "PrefixListId"),
            ("referenced_security_group_id", "ReferencedGroupId"),
            ("description", "Description"),
        ):
            if s.get(tf):
                body[api] = s[tf]
        return body

    def delete(self, state: State) -> None:
        ec2 = self.ec2()
        call = ec2.revoke_security_group_egress if self.egress else ec2.revoke_security_group_ingress
        try:
            call(GroupId=state["security_group_id"], SecurityGroupRuleIds=[state["id"]])
        except ClientError as exc:
            if not _missing(exc):
                raise


class SecurityGroupIngressRule(_SecurityGroupRule):
    type_name = "aws_vpc_security_group_ingress_rule"
    egress = False


class SecurityGroupEgressRule(_SecurityGroupRule):
    type_name = "aws_vpc_security_group_egress_rule"
    egress = True


_ROUTE_TARGETS = {
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "network_interface_id": "NetworkInterfaceId",
    "transit_gateway_id": "TransitGatewayId",
    "vpc_endpoint_id": "VpcEndpointId",
    "vpc_peering_connection_id": "VpcPeeringConnectionId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
    "carrier_gateway_id": "CarrierGatewayId",
    "local_gateway_id": "LocalGatewayId",
    "core_network_arn": "CoreNetworkArn",
}
_ROUTE_DESTINATIONS = {
    "destination_cidr_block": "DestinationCidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "destination_prefix_list_id": "DestinationPrefixListId",
}


class RouteTable(_Ec2):
    type_name = "aws_route_table"
    force_new = frozenset({"vpc_id"})

    def _routes_tf(self, table: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for r in table.get("Routes", []):
            if r.get("GatewayId") == "local" or r.get("Origin") == "CreateRouteTable":
                continue  # the VPC's local route is implicit, as in the real provider
            item = {
                "cidr_block": r.get("DestinationCidrBlock", ""),
                "ipv6_cidr_block": r.get("DestinationIpv6CidrBlock", ""),
                "destination_prefix_list_id": r.get("DestinationPrefixListId", ""),
            }
            for tf, api in _ROUTE_TARGETS.items():
                item[tf] = r.get(api, "")
            out.append(item)
        return out

    def create(self, planned: State, config: State) -> State:
        table = self.ec2().create_route_table(
            VpcId=planned["vpc_id"], TagSpecifications=self.tag_spec("route-table", planned)
        )["RouteTable"]
        for route in planned.get("route") or [] if known(planned.get("route")) else []:
            self._create_route(table["RouteTableId"], route)
        return self.read({**planned, "id": table["RouteTableId"]}) or planned

    def _create_route(self, table_id: str, route: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {"RouteTableId": table_id}
        if route.get("cidr_block"):
            kwargs["DestinationCidrBlock"] = route["cidr_block"]
        if route.get("ipv6_cidr_block"):
            kwargs["DestinationIpv6CidrBlock"] = route["ipv6_cidr_block"]
        for tf, api in _ROUTE_TARGETS.items():
            if route.get(tf):
                kwargs[api] = route[tf]
        self.ec2().create_route(**kwargs)

    def read(self, state: State) -> State | None:
        try:
            table = self.ec2().describe_route_tables(RouteTableIds=[state["id"]])["RouteTables"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        tags, tags_all = self.tags_of(table, state)
        return {
            "id": table["RouteTableId"],
            "arn": self.arn_of("route-table", table["RouteTableId"]),
            "vpc_id": table["VpcId"],
            "owner_id": table.get("OwnerId", self.aws.account_id),
            "route": self._routes_tf(table),
            "propagating_vgws": [p["GatewayId"] for p in table.get("PropagatingVgws", [])],
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_route_table(RouteTableId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


class Route(_Ec2):
    type_name = "aws_route"
    force_new = frozenset({"route_table_id", *_ROUTE_DESTINATIONS})

    def _destination(self, s: State) -> tuple[str, str]:
        for tf, api in _ROUTE_DESTINATIONS.items():
            if s.get(tf):
                return api, s[tf]
        raise ProviderFailure(
            "creating Route: one of destination_cidr_block, destination_ipv6_cidr_block or "
            "destination_prefix_list_id must be set"
        )

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and known(config.get("route_table_id")):
            dest = next((config[k] for k in _ROUTE_DESTINATIONS if known(config.get(k)) and config.get(k)), None)
            if dest:
                planned["id"] = f"r-{config['route_table_id']}{_route_hash(dest)}"

    def _targets(self, s: State) -> dict[str, Any]:
        return {api: s[tf] for tf, api in _ROUTE_TARGETS.items() if known(s.get(tf)) and s.get(tf)}

    def create(self, planned: State, config: State) -> State:
        api, dest = self._destination(planned)
        self.ec2().create_route(RouteTableId=planned["route_table_id"], **{api: dest}, **self._targets(planned))
        return self.read({**planned, "id": f"r-{planned['route_table_id']}{_route_hash(dest)}"}) or planned

    def read(self, state: State) -> State | None:
        try:
            table = self.ec2().describe_route_tables(RouteTableIds=[state["route_table_id"]])["RouteTables"][0]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        api, dest = self._destination(state)
        route = next((r for r in table.get("Routes", []) if r.get(api) == dest), None)
        if route is None:
            return None
        out: State = {
            "id": state["id"],
            "route_table_id": state["route_table_id"],
            "state": route.get("State", "active"),
            "origin": route.get("Origin", "CreateRoute"),
            "instance_id": route.get("InstanceId", ""),
            "instance_owner_id": route.get("InstanceOwnerId", ""),
        }
        for tf, key in _ROUTE_TARGETS.items():
            value = route.get(key)
            if value or state.get(tf) is not None:
                out[tf] = value or ""
        return out

    def update(self, prior: State, planned: State, config: State) -> State:
        api, dest = self._destination(planned)
        self.ec2().replace_route(RouteTableId=prior["route_table_id"], **{api: dest}, **self._targets(planned))
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        api, dest = self._destination(state)
        try:
            self.ec2().delete_route(RouteTableId=state["route_table_id"], **{api: dest})
        except ClientError as exc:
            if not _missing(exc):
                raise


def _route_hash(destination: str) -> str:
    """The provider's route id suffix: a CRC32 hash of the destination."""
    return str(zlib.crc32(destination.encode()))


class RouteTableAssociation(_Ec2):
    type_name = "aws_route_table_association"
    force_new = frozenset({"subnet_id", "gateway_id"})

    def create(self, planned: State, config: State) -> State:
        kwargs: dict[str, Any] = {"RouteTableId": planned["route_table_id"]}
        if planned.get("subnet_id"):
            kwargs["SubnetId"] = planned["subnet_id"]
        if planned.get("gateway_id"):
            kwargs["GatewayId"] = planned["gateway_id"]
        assoc_id = self.ec2().associate_route_table(**kwargs)["AssociationId"]
        return self.read({**planned, "id": assoc_id}) or planned

    def read(self, state: State) -> State | None:
        try:
            tables = self.ec2().describe_route_tables(
                Filters=[{"Name": "association.route-table-association-id", "Values": [state["id"]]}]
            )["RouteTables"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        for table in tables:
            for assoc in table.get("Associations", []):
                if assoc.get("RouteTableAssociationId") == state["id"]:
                    return {
                        "id": state["id"],
                        "route_table_id": table["RouteTableId"],
                        "subnet_id": assoc.get("SubnetId") or state.get("subnet_id"),
                        "gateway_id": assoc.get("GatewayId") or state.get("gateway_id"),
                    }
        return None

    def update(self, prior: State, planned: State, config: State) -> State:
        new_id = self.ec2().replace_route_table_association(
            AssociationId=prior["id"], RouteTableId=planned["route_table_id"]
        )["NewAssociationId"]
        return self.read({**planned, "id": new_id}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().disassociate_route_table(AssociationId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


class Eip(_Ec2):
    type_name = "aws_eip"

    def create(self, planned: State, config: State) -> State:
        kwargs: dict[str, Any] = {"Domain": "vpc", "TagSpecifications": self.tag_spec("elastic-ip", planned)}
        if known(planned.get("network_border_group")) and planned.get("network_border_group"):
            kwargs["NetworkBorderGroup"] = planned["network_border_group"]
        alloc = self.ec2().allocate_address(**kwargs)["AllocationId"]
        return self.read({**planned, "id": alloc}) or planned

    def read(self, state: State) -> State | None:
        try:
            addr = self.ec2().describe_addresses(AllocationIds=[state["id"]])["Addresses"][0]
        except ClientError as exc:
            if _missing(exc) or "InvalidAllocationID" in str(exc):
                return None
            raise
        tags, tags_all = self.tags_of(addr, state)
        public_ip = addr.get("PublicIp", "")
        region = self.aws.region
        return {
            "id": addr["AllocationId"],
            "allocation_id": addr["AllocationId"],
            "arn": self.arn_of("elastic-ip", addr["AllocationId"]),
            "domain": addr.get("Domain", "vpc"),
            "public_ip": public_ip,
            "public_dns": f"ec2-{public_ip.replace('.', '-')}.compute-1.amazonaws.com"
            if region == "us-east-1"
            else f"ec2-{public_ip.replace('.', '-')}.{region}.compute.amazonaws.com",
            "private_ip": addr.get("PrivateIpAddress", ""),
            "private_dns": "",
            "association_id": addr.get("AssociationId", ""),
            "instance": addr.get("InstanceId", ""),
            "network_interface": addr.get("NetworkInterfaceId", ""),
            "network_border_group": addr.get("NetworkBorderGroup", region),
            "public_ipv4_pool": addr.get("PublicIpv4Pool", "amazon"),
            "ipam_pool_id": "",
            "carrier_ip": "",
            "customer_owned_ip": "",
            "ptr_record": "",
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().release_address(AllocationId=state["id"])
        except ClientError as exc:
            if not (_missing(exc) or "InvalidAllocationID" in str(exc)):
                raise


class NatGateway(_Ec2):
    type_name = "aws_nat_gateway"
    force_new = frozenset({"allocation_id", "subnet_id", "connectivity_type"})
    defaults = {"connectivity_type": "public"}

    def create(self, planned: State, config: State) -> State:
        kwargs: dict[str, Any] = {
            "SubnetId": planned["subnet_id"],
            "ConnectivityType": planned.get("connectivity_type") or "public",
            "TagSpecifications": self.tag_spec("natgateway", planned),
        }
        if planned.get("allocation_id"):
            kwargs["AllocationId"] = planned["allocation_id"]
        gw = self.ec2().create_nat_gateway(**kwargs)["NatGateway"]
        return self.read({**planned, "id": gw["NatGatewayId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            gws = self.ec2().describe_nat_gateways(NatGatewayIds=[state["id"]])["NatGateways"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        if not gws or gws[0].get("State") in ("deleted", "deleting", "failed"):
            return None
        gw = gws[0]
        addr = next(iter(gw.get("NatGatewayAddresses") or []), {})
        tags, tags_all = self.tags_of(gw, state)
        return {
            "id": gw["NatGatewayId"],
            "subnet_id": gw.get("SubnetId"),
            "vpc_id": gw.get("VpcId", ""),
            "connectivity_type": gw.get("ConnectivityType", "public"),
            "allocation_id": addr.get("AllocationId") or state.get("allocation_id"),
            "association_id": addr.get("AssociationId", ""),
            "network_interface_id": addr.get("NetworkInterfaceId", ""),
            "private_ip": addr.get("PrivateIp", ""),
            "public_ip": addr.get("PublicIp", ""),
            "secondary_allocation_ids": [],
            "secondary_private_ip_addresses": [],
            "secondary_private_ip_address_count": 0,
            "availability_mode": "zonal",
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_nat_gateway(NatGatewayId=state["id"])
        except ClientError as exc:
            if not _missing(exc):
                raise


class FlowLog(_Ec2):
    type_name = "aws_flow_log"
    force_new = frozenset(
        {
            "vpc_id",
            "subnet_id",
            "eni_id",
            "traffic_type",
            "log_destination",
            "log_destination_type",
            "iam_role_arn",
            "log_format",
            "max_aggregation_interval",
            "transit_gateway_id",
            "transit_gateway_attachment_id",
        }
    )
    defaults = {"log_destination_type": "cloud-watch-logs", "max_aggregation_interval": 600}

    def _resource(self, s: State) -> tuple[str, str]:
        for tf, kind in (
            ("vpc_id", "VPC"),
            ("subnet_id", "Subnet"),
            ("eni_id", "NetworkInterface"),
            ("transit_gateway_id", "TransitGateway"),
            ("transit_gateway_attachment_id", "TransitGatewayAttachment"),
        ):
            if s.get(tf):
                return kind, s[tf]
        raise ProviderFailure("creating Flow Log: one of vpc_id, subnet_id, eni_id or a transit gateway is required")

    def create(self, planned: State, config: State) -> State:
        kind, resource_id = self._resource(planned)
        kwargs: dict[str, Any] = {
            "ResourceIds": [resource_id],
            "ResourceType": kind,
            "TrafficType": planned.get("traffic_type") or "ALL",
            "LogDestinationType": planned.get("log_destination_type") or "cloud-watch-logs",
            "MaxAggregationInterval": int(planned.get("max_aggregation_interval") or 600),
            "TagSpecifications": self.tag_spec("vpc-flow-log", planned),
        }
        if known(planned.get("log_destination")) and planned.get("log_destination"):
            kwargs["LogDestination"] = planned["log_destination"]
        if planned.get("iam_role_arn"):
            kwargs["DeliverLogsPermissionArn"] = planned["iam_role_arn"]
        if known(planned.get("log_format")) and planned.get("log_format"):
            kwargs["LogFormat"] = planned["log_format"]
        resp = self.ec2().create_flow_logs(**kwargs)
        if resp.get("Unsuccessful"):
            err = resp["Unsuccessful"][0].get("Error", {})
            raise ProviderFailure(f"creating Flow Log: {err.get('Code', 'error')}: {err.get('Message', '')}")
        return self.read({**planned, "id": resp["FlowLogIds"][0]}) or planned

    def read(self, state: State) -> State | None:
        logs = self.ec2().describe_flow_logs(FlowLogIds=[state["id"]]).get("FlowLogs", [])
        if not logs:
            return None
        fl = logs[0]
        tags, tags_all = self.tags_of(fl, state)
        destination = fl.get("LogDestination") or (
            f"arn:aws:logs:{self.aws.region}:{self.aws.account_id}:log-group:{fl['LogGroupName']}"
            if fl.get("LogGroupName")
            else ""
        )
        return {
            "id": fl["FlowLogId"],
            "arn": self.arn_of("vpc-flow-log", fl["FlowLogId"]),
            "traffic_type": fl.get("TrafficType", state.get("traffic_type")),
            "log_destination": destination,
            "log_destination_type": fl.get("LogDestinationType", "cloud-watch-logs"),
            "log_format": fl.get("LogFormat") or state.get("log_format") or "",
            "max_aggregation_interval": fl.get("MaxAggregationInterval", 600),
            "iam_role_arn": fl.get("DeliverLogsPermissionArn") or state.get("iam_role_arn"),
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_flow_logs(FlowLogIds=[state["id"]])
        except ClientError as exc:
            if not _missing(exc):
                raise


class VpcEndpoint(_Ec2):
    type_name = "aws_vpc_endpoint"
    policy_attrs = frozenset({"policy"})
    force_new = frozenset({"vpc_id", "service_name", "vpc_endpoint_type", "auto_accept"})
    defaults = {"vpc_endpoint_type": "Gateway"}

    def plan(self, prior: State | None, planned: State, config: State) -> None:
        if prior is None and config.get("private_dns_enabled") is None:
            planned["private_dns_enabled"] = False

    def create(self, planned: State, config: State) -> State:
        kind = planned.get("vpc_endpoint_type") or "Gateway"
        kwargs: dict[str, Any] = {
            "VpcId": planned["vpc_id"],
            "ServiceName": planned["service_name"],
            "VpcEndpointType": kind,
            "TagSpecifications": self.tag_spec("vpc-endpoint", planned),
        }
        for tf, api in (
            ("route_table_ids", "RouteTableIds"),
            ("subnet_ids", "SubnetIds"),
            ("security_group_ids", "SecurityGroupIds"),
        ):
            if known(planned.get(tf)) and planned.get(tf):
                kwargs[api] = sorted(planned[tf])
        if kind == "Interface":
            kwargs["PrivateDnsEnabled"] = bool(planned.get("private_dns_enabled"))
        if known(planned.get("policy")) and planned.get("policy"):
            kwargs["PolicyDocument"] = planned["policy"]
        endpoint = self.ec2().create_vpc_endpoint(**kwargs)["VpcEndpoint"]
        return self.read({**planned, "id": endpoint["VpcEndpointId"]}) or planned

    def read(self, state: State) -> State | None:
        try:
            eps = self.ec2().describe_vpc_endpoints(VpcEndpointIds=[state["id"]])["VpcEndpoints"]
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        if not eps or eps[0].get("State", "").lower() in ("deleted", "deleting"):
            return None
        ep = eps[0]
        tags, tags_all = self.tags_of(ep, state)
        policy = ep.get("PolicyDocument", "")
        if known(state.get("policy")) and policies_equivalent(policy, state.get("policy")):
            policy = state["policy"]
        return {
            "id": ep["VpcEndpointId"],
            "arn": self.arn_of("vpc-endpoint", ep["VpcEndpointId"]),
            "vpc_id": ep["VpcId"],
            "service_name": ep["ServiceName"],
            "vpc_endpoint_type": ep.get("VpcEndpointType", "Gateway"),
            "state": str(ep.get("State", "available")).lower(),
            "owner_id": ep.get("OwnerId", self.aws.account_id),
            "route_table_ids": ep.get("RouteTableIds", []),
            "subnet_ids": ep.get("SubnetIds", []),
            "security_group_ids": [g["GroupId"] for g in ep.get("Groups", [])],
            "network_interface_ids": ep.get("NetworkInterfaceIds", []),
            "private_dns_enabled": bool(ep.get("PrivateDnsEnabled", False)),
            "requester_managed": bool(ep.get("RequesterManaged", False)),
            "policy": policy,
            "dns_entry": [
                {"dns_name": d.get("DnsName", ""), "hosted_zone_id": d.get("HostedZoneId", "")}
                for d in ep.get("DnsEntries", [])
            ],
            "cidr_blocks": state.get("cidr_blocks") if known(state.get("cidr_blocks")) else [],
            "prefix_list_id": state.get("prefix_list_id") if known(state.get("prefix_list_id")) else "",
            "ip_address_type": ep.get("IpAddressType", "ipv4"),
            "service_region": self.aws.region,
            "tags": tags,
            "tags_all": tags_all,
        }

    def update(self, prior: State, planned: State, config: State) -> State:
        kwargs: dict[str, Any] = {}
        for tf, add, remove in (
            ("route_table_ids", "AddRouteTableIds", "RemoveRouteTableIds"),
            ("subnet_ids", "AddSubnetIds", "RemoveSubnetIds"),
            ("security_group_ids", "AddSecurityGroupIds", "RemoveSecurityGroupIds"),
        ):
            old, new = set(prior.get(tf) or []), set(planned.get(tf) or []) if known(planned.get(tf)) else set()
            if known(planned.get(tf)) and old != new:
                if new - old:
                    kwargs[add] = sorted(new - old)
                if old - new:
                    kwargs[remove] = sorted(old - new)
        if known(planned.get("policy")) and planned.get("policy") and planned["policy"] != prior.get("policy"):
            kwargs["PolicyDocument"] = planned["policy"]
        if kwargs:
            self.ec2().modify_vpc_endpoint(VpcEndpointId=prior["id"], **kwargs)
        self.sync_tags(prior["id"], prior, planned)
        return self.read({**planned, "id": prior["id"]}) or planned

    def delete(self, state: State) -> None:
        try:
            self.ec2().delete_vpc_endpoints(VpcEndpointIds=[state["id"]])
        except ClientError as exc:
            if not _missing(exc):
                raise


class IpamPoolCidrAllocation(ResourceHandler):
    """Simulated (moto has no IPAM): allocations come from the registry in $STRANDS_TF_EMULATOR_IPAM_FILE."""

    type_name = "aws_vpc_ipam_pool_cidr_allocation"
    # allocations cannot be changed, only replaced
    force_new = frozenset({"ipam_pool_id", "cidr", "netmask_length", "disallowed_cidrs", "description"})

    def _registry(self) -> Any:
        return _ipam_registry()

    def create(self, planned: State, config: State) -> State:
        try:
            alloc = self._registry().allocate(
                planned["ipam_pool_id"],
                netmask_length=int(planned["netmask_length"])
                if known(planned.get("netmask_length")) and planned.get("netmask_length") is not None
                else None,
                cidr=planned.get("cidr") if known(planned.get("cidr")) else None,
                disallowed=list(planned.get("disallowed_cidrs") or []),
                description=planned.get("description") or "",
            )
        except StrandsError as exc:
            raise ProviderFailure(
                f"allocating from IPAM pool {planned['ipam_pool_id']}: {exc.summary}", exc.hint or ""
            ) from exc
        return self._state(alloc, planned)

    def _state(self, alloc: Any, state: State) -> State:
        return {
            "id": f"{alloc.allocation_id}_{alloc.pool_id}",
            "ipam_pool_allocation_id": alloc.allocation_id,
            "ipam_pool_id": alloc.pool_id,
            "cidr": alloc.cidr,
            "netmask_length": int(alloc.cidr.rsplit("/", 1)[1]),
            "description": alloc.description or state.get("description"),
            "resource_id": "",
            "resource_owner": self.aws.account_id,
            "resource_type": "custom",
        }

    def read(self, state: State) -> State | None:
        alloc_id = state.get("ipam_pool_allocation_id") or state["id"].split("_", 1)[0]
        alloc = self._registry().get(alloc_id)
        return self._state(alloc, state) if alloc else None

    def update(self, prior: State, planned: State, config: State) -> State:
        return planned

    def delete(self, state: State) -> None:
        self._registry().release(state.get("ipam_pool_allocation_id") or state["id"].split("_", 1)[0])

    def import_state(self, import_id: str) -> State:
        return {"id": import_id, "ipam_pool_allocation_id": import_id.split("_", 1)[0]}
