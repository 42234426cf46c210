"""Data sources that read an existing VPC: its subnets and route tables (modules/agent-network checks them)."""

from __future__ import annotations

from typing import Any

from strands_tf.emulator.provider.resources.base import DataSourceHandler, ProviderFailure, State
from strands_tf.emulator.provider.resources.tags import tags_from_list

_ROUTE_FIELDS = {
    "carrier_gateway_id": "CarrierGatewayId",
    "cidr_block": "DestinationCidrBlock",
    "core_network_arn": "CoreNetworkArn",
    "destination_prefix_list_id": "DestinationPrefixListId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
    "gateway_id": "GatewayId",
    "instance_id": "InstanceId",
    "ipv6_cidr_block": "DestinationIpv6CidrBlock",
    "local_gateway_id": "LocalGatewayId",
    "nat_gateway_id": "NatGatewayId",
    "network_interface_id": "NetworkInterfaceId",
    "odb_network_arn": "OdbNetworkArn",
    "transit_gateway_id": "TransitGatewayId",
    "vpc_endpoint_id": "VpcEndpointId",
    "vpc_peering_connection_id": "VpcPeeringConnectionId",
}


def _filters(config: State, extra: dict[str, Any]) -> list[dict[str, Any]]:
    filters = [{"Name": f["name"], "Values": sorted(f["values"])} for f in config.get("filter") or []]
    filters += [{"Name": name, "Values": [value]} for name, value in extra.items() if value]
    for key, value in (config.get("tags") or {}).items():
        filters.append({"Name": f"tag:{key}", "Values": [value]})
    return filters


def _one(items: list[dict[str, Any]], what: str) -> dict[str, Any]:
    if not items:
        raise ProviderFailure(f"no matching {what} found")
    if len(items) > 1:
        raise ProviderFailure(f"multiple {what}s matched; use additional constraints to reduce matches to a single one")
    return items[0]


class SubnetLookup(DataSourceHandler):
    type_name = "aws_subnet"

    def read(self, config: State) -> State:
        kwargs: dict[str, Any] = {}
        if config.get("id"):
            kwargs["SubnetIds"] = [config["id"]]
        filters = _filters(
            config,
            {
                "vpc-id": config.get("vpc_id"),
                "availability-zone": config.get("availability_zone"),
                "cidr-block": config.get("cidr_block"),
                "state": config.get("state"),
            },
        )
        if filters:
            kwargs["Filters"] = filters
        subnet = _one(self.aws.client("ec2").describe_subnets(**kwargs)["Subnets"], "EC2 Subnet")
        return {
            "id": subnet["SubnetId"],
            "arn": subnet.get("SubnetArn") or self.aws.arn("ec2", f"subnet/{subnet['SubnetId']}"),
            "vpc_id": subnet["VpcId"],
            "cidr_block": subnet["CidrBlock"],
            "availability_zone": subnet["AvailabilityZone"],
            "availability_zone_id": subnet.get("AvailabilityZoneId", ""),
            "available_ip_address_count": subnet.get("AvailableIpAddressCount", 0),
            "default_for_az": bool(subnet.get("DefaultForAz")),
            "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
            "assign_ipv6_address_on_creation": bool(subnet.get("AssignIpv6AddressOnCreation")),
            "map_customer_owned_ip_on_launch": bool(subnet.get("MapCustomerOwnedIpOnLaunch")),
            "owner_id": subnet.get("OwnerId", ""),
            "state": subnet.get("State", "available"),
            "tags": tags_from_list(subnet.get("Tags", [])),
            "ipv6_cidr_block": "",
            "ipv6_cidr_block_association_id": "",
            "ipv6_native": False,
            "enable_dns64": False,
            "enable_lni_at_device_index": 0,
            "enable_resource_name_dns_a_record_on_launch": False,
            "enable_resource_name_dns_aaaa_record_on_launch": False,
            "private_dns_hostname_type_on_launch": "ip-name",
            "customer_owned_ipv4_pool": "",
            "outpost_arn": "",
        }


class RouteTablesLookup(DataSourceHandler):
    type_name = "aws_route_tables"

    def read(self, config: State) -> State:
        filters = _filters(config, {"vpc-id": config.get("vpc_id")})
        tables = self.aws.client("ec2").describe_route_tables(Filters=filters)["RouteTables"] if filters else []
        return {"id": self.aws.region, "ids": sorted(t["RouteTableId"] for t in tables)}


class RouteTableLookup(DataSourceHandler):
    type_name = "aws_route_table"

    def read(self, config: State) -> State:
        kwargs: dict[str, Any] = {}
        if config.get("route_table_id"):
            kwargs["RouteTableIds"] = [config["route_table_id"]]
        filters = _filters(
            config,
            {
                "vpc-id": config.get("vpc_id"),
                "association.subnet-id": config.get("subnet_id"),
                "association.gateway-id": config.get("gateway_id"),
            },
        )
        if filters:
            kwargs["Filters"] = filters
        table = _one(self.aws.client("ec2").describe_route_tables(**kwargs)["RouteTables"], "Route Table")
        routes = []
        for route in table.get("Routes", []):
            if route.get("GatewayId") == "local":
                continue  # the provider leaves out the VPC's implicit local route
            routes.append({field: route.get(api, "") for field, api in _ROUTE_FIELDS.items()})
        associations = [
            {
                "route_table_association_id": a.get("RouteTableAssociationId", ""),
                "route_table_id": a.get("RouteTableId", ""),
                "subnet_id": a.get("SubnetId", ""),
                "gateway_id": a.get("GatewayId", ""),
                "main": bool(a.get("Main")),
            }
            for a in table.get("Associations", [])
        ]
        return {
            "id": table["RouteTableId"],
            "route_table_id": table["RouteTableId"],
            "arn": self.aws.arn("ec2", f"route-table/{table['RouteTableId']}"),
            "vpc_id": table["VpcId"],
            "owner_id": table.get("OwnerId", ""),
            "subnet_id": config.get("subnet_id") or "",
            "gateway_id": config.get("gateway_id") or "",
            "routes": routes,
            "associations": associations,
            "tags": tags_from_list(table.get("Tags", [])),
        }
