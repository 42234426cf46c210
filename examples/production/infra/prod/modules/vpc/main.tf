data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_availability_zones" "available" {
  count = length(var.availability_zones) > 0 ? 0 : 1

  state = "available"

  # A closed set of zones (<region>a to <region>f, no region has more): a zone AWS adds later cannot slip into
  # the result, and slicing the first az_count in name order keeps every subnet in its zone.
  filter {
    name   = "zone-name"
    values = [for letter in ["a", "b", "c", "d", "e", "f"] : "${data.aws_region.current.region}${letter}"]
  }

  # Local Zones and Wavelength Zones cannot host NAT gateways or most interface endpoints.
  filter {
    name   = "zone-type"
    values = ["availability-zone"]
  }

  lifecycle {
    postcondition {
      condition     = length(self.names) >= var.az_count
      error_message = "The region has ${length(self.names)} availability zones, fewer than az_count = ${var.az_count}."
    }
  }
}

locals {
  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(
    data.aws_availability_zones.available[0].names, 0, min(var.az_count, length(data.aws_availability_zones.available[0].names))
  )
  zone_count = length(local.azs)

  # The prefix is known at plan time even when IPAM picks the CIDR during apply.
  prefix_length = var.cidr_block != null ? tonumber(split("/", var.cidr_block)[1]) : coalesce(var.ipv4_netmask_length, 16)

  public    = var.nat_gateway != "none"
  nat_count = var.nat_gateway == "one_per_az" ? local.zone_count : (var.nat_gateway == "single" ? 1 : 0)

  # s3 and dynamodb have free gateway endpoints; every other service is reached through an interface endpoint.
  gateway_services   = toset([for service in var.endpoints : service if contains(["s3", "dynamodb"], service)])
  interface_services = toset([for service in var.endpoints : service if !contains(["s3", "dynamodb"], service)])
  service_prefix     = "com.amazonaws.${data.aws_region.current.region}"

  flow_log_group_name = "/aws/vpc-flow-logs/${var.name}"
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  ipv4_ipam_pool_id    = var.ipv4_ipam_pool_id
  ipv4_netmask_length  = var.ipv4_netmask_length
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = (var.cidr_block == null) != (var.ipv4_ipam_pool_id == null)
      error_message = "Set exactly one of cidr_block and ipv4_ipam_pool_id."
    }

    precondition {
      condition     = (var.ipv4_ipam_pool_id == null) == (var.ipv4_netmask_length == null)
      error_message = "ipv4_netmask_length goes with ipv4_ipam_pool_id: set both or neither."
    }

    # Private subnets are 1/8 of the VPC (prefix + 3) and public ones 1/64 (prefix + 6); AWS subnets are /28 at the smallest.
    precondition {
      condition     = local.prefix_length + (local.public ? 6 : 3) <= 28
      error_message = "The VPC is too small: with NAT it needs a /22 or larger, without NAT a /25 or larger."
    }
  }
}

# The default security group of every VPC allows traffic between its members; adopting it removes all its rules,
# so nothing that lands in it by accident can talk to anything.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-deny-all" })
}

# Slot i of the VPC split in 8 is private subnet i; the last slot, split in 8 again, holds the public subnets.
# Fixed slots keep every existing subnet where it is when zones are added.
resource "aws_subnet" "private" {
  count = local.zone_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(aws_vpc.this.cidr_block, 3, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}", "strands:tier" = "private" })
}

resource "aws_subnet" "public" {
  count = local.public ? local.zone_count : 0

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(aws_vpc.this.cidr_block, 6, 56 + count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${local.azs[count.index]}", "strands:tier" = "public" })
}

resource "aws_internet_gateway" "this" {
  count = local.public ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_route_table" "public" {
  count = local.public ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  count = local.public ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = local.public ? local.zone_count : 0

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${local.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = merge(var.tags, { Name = "${var.name}-${local.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

# One route table per zone, so one_per_az sends each zone through its own NAT gateway.
resource "aws_route_table" "private" {
  count = local.zone_count

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}" })
}

resource "aws_route" "private_nat" {
  count = local.public ? local.zone_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.nat_gateway == "one_per_az" ? count.index : 0].id
}

resource "aws_route_table_association" "private" {
  count = local.zone_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_vpc_endpoint" "gateway" {
  for_each = local.gateway_services

  vpc_id            = aws_vpc.this.id
  service_name      = "${local.service_prefix}.${each.key}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_security_group" "endpoints" {
  count = length(local.interface_services) > 0 ? 1 : 0

  name        = "${var.name}-endpoints"
  description = "Interface endpoints of ${var.name}: HTTPS from inside the VPC only"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-endpoints" })
}

# The endpoints answer the agents' security groups (by reference), not the whole VPC's address range.
resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  count = length(local.interface_services) > 0 ? 1 + length(var.endpoint_client_security_group_ids) : 0

  security_group_id            = aws_security_group.endpoints[0].id
  description                  = "HTTPS from the agents' security group"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = concat([aws_security_group.agents.id], var.endpoint_client_security_group_ids)[count.index]

  tags = var.tags
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_services

  vpc_id              = aws_vpc.this.id
  service_name        = "${local.service_prefix}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints[0].id]
  private_dns_enabled = true

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

# The agents' functions: nothing may connect to them, and they reach out on HTTPS only (AWS APIs and model
# endpoints, through NAT or the endpoints). DNS needs no rule: security groups do not filter the VPC resolver.
resource "aws_security_group" "agents" {
  name        = "${var.name}-agents"
  description = "Strands agent functions of ${var.name}: no inbound, HTTPS outbound"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-agents" })
}

resource "aws_vpc_security_group_egress_rule" "agents_https" {
  for_each = toset(var.agent_egress_cidr_blocks)

  security_group_id = aws_security_group.agents.id
  description       = "HTTPS to AWS APIs and model endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.flow_logs ? 1 : 0

  name              = local.flow_log_group_name
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = var.flow_log_kms_key_arn

  tags = var.tags
}

data "aws_iam_policy_document" "flow_logs_assume_role" {
  statement {
    sid     = "FlowLogsAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }

    # only flow logs of this account and region may use the role (confused deputy protection)
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*"]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  count = var.flow_logs ? 1 : 0

  name               = "${var.name}-flow-logs"
  description        = "Lets VPC flow logs of ${var.name} write to their log group"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume_role.json

  tags = var.tags
}

data "aws_iam_policy_document" "flow_logs" {
  count = var.flow_logs ? 1 : 0

  statement {
    sid    = "WriteFlowLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      aws_cloudwatch_log_group.flow_logs[0].arn,
      "${aws_cloudwatch_log_group.flow_logs[0].arn}:log-stream:*",
    ]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.flow_logs ? 1 : 0

  name   = "${var.name}-flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs[0].json
}

resource "aws_flow_log" "this" {
  count = var.flow_logs ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn             = aws_iam_role.flow_logs[0].arn
  max_aggregation_interval = var.flow_log_max_aggregation_interval

  tags = merge(var.tags, { Name = var.name })

  # the role must be able to write before the first records are delivered
  depends_on = [aws_iam_role_policy.flow_logs]
}
