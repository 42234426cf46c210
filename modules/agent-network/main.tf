locals {
  # an existing VPC's subnets are checked before any group is made in it
  checked_subnets = toset(var.check_subnets ? var.subnet_ids : [])
  egress = merge([
    for group, spec in var.security_groups : { for index, rule in spec.egress : "${group}/${index}" => merge(rule, { group = group }) }
  ]...)
  ingress = merge([
    for group, spec in var.security_groups : { for index, rule in spec.ingress : "${group}/${index}" => merge(rule, { group = group }) }
  ]...)
}

data "aws_subnet" "this" {
  for_each = local.checked_subnets

  id = each.value
}

# A subnet uses the route table associated with it, else the VPC's main route table.
data "aws_route_tables" "associated" {
  for_each = local.checked_subnets

  vpc_id = var.vpc_id

  filter {
    name   = "association.subnet-id"
    values = [each.value]
  }
}

data "aws_route_table" "main" {
  count = length(local.checked_subnets) > 0 ? 1 : 0

  vpc_id = var.vpc_id

  filter {
    name   = "association.main"
    values = ["true"]
  }
}

data "aws_route_table" "associated" {
  for_each = { for subnet, found in data.aws_route_tables.associated : subnet => found.ids[0] if length(found.ids) > 0 }

  route_table_id = each.value
}

locals {
  subnet_routes = {
    for subnet in local.checked_subnets : subnet => try(data.aws_route_table.associated[subnet].routes, data.aws_route_table.main[0].routes)
  }
  subnets_elsewhere = [for id, subnet in data.aws_subnet.this : "${id} (in ${subnet.vpc_id})" if subnet.vpc_id != var.vpc_id]
  public_subnets = sort(distinct(concat(
    [for id, subnet in data.aws_subnet.this : id if subnet.map_public_ip_on_launch],
    [for id, routes in local.subnet_routes : id if anytrue([for route in routes : startswith(coalesce(route.gateway_id, "-"), "igw-")])],
  )))
}

resource "aws_security_group" "this" {
  for_each = var.security_groups

  name        = "${var.name}-${each.key}"
  description = each.value.description
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    precondition {
      condition     = length(local.subnets_elsewhere) == 0
      error_message = "subnets ${join(", ", local.subnets_elsewhere)} are not in ${var.vpc_id}: give subnets of the VPC the agents run in."
    }

    precondition {
      condition     = length(local.public_subnets) == 0
      error_message = "subnets ${join(", ", local.public_subnets)} are public (a route to an internet gateway, or public IPs on launch): Lambda functions need private subnets with NAT or endpoints to reach AWS."
    }
  }
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.egress

  security_group_id            = aws_security_group.this[each.value.group].id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.protocol == "-1" ? null : each.value.from_port
  to_port                      = each.value.protocol == "-1" ? null : each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.referenced_security_group_id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress

  security_group_id            = aws_security_group.this[each.value.group].id
  description                  = each.value.description
  ip_protocol                  = each.value.protocol
  from_port                    = each.value.protocol == "-1" ? null : each.value.from_port
  to_port                      = each.value.protocol == "-1" ? null : each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  referenced_security_group_id = each.value.referenced_security_group_id

  tags = var.tags
}
