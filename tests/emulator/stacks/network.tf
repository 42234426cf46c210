data "aws_availability_zones" "azs" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "emu-vpc" }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.azs.names[count.index]
  tags              = { Name = "emu-private-${count.index}" }
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "agent" {
  name        = "emu-agent-sg"
  description = "agent functions"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group" "legacy" {
  name   = "emu-legacy-sg"
  vpc_id = aws_vpc.main.id
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.42.0.0/16"]
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.agent.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  description       = "HTTPS out"
}

resource "aws_vpc_security_group_ingress_rule" "self" {
  security_group_id            = aws_security_group.agent.id
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.agent.id
}

output "vpc_id" { value = aws_vpc.main.id }
output "sg_id" { value = aws_security_group.agent.id }
output "subnets" { value = aws_subnet.private[*].id }
