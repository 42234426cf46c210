output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_arn" {
  description = "ARN of the VPC."
  value       = aws_vpc.this.arn
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC (allocated by IPAM when ipv4_ipam_pool_id is set)."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones of the subnets, in subnet order."
  value       = local.azs
}

output "private_subnet_ids" {
  description = "Ids of the private subnets, one per zone (pass them to the strands-agent module's vpc_subnet_ids)."
  value       = aws_subnet.private[*].id
}

output "private_subnet_cidr_blocks" {
  description = "CIDRs of the private subnets, one per zone."
  value       = aws_subnet.private[*].cidr_block
}

output "public_subnet_ids" {
  description = "Ids of the public subnets that hold the NAT gateways (empty when nat_gateway is none)."
  value       = aws_subnet.public[*].id
}

output "private_route_table_ids" {
  description = "Ids of the private route tables, one per zone."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_ids" {
  description = "Ids of the NAT gateways (empty when nat_gateway is none)."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Public IPs the private subnets reach the internet from (empty when nat_gateway is none)."
  value       = aws_eip.nat[*].public_ip
}

output "agent_security_group_id" {
  description = "Id of the security group for agent functions (pass it to the strands-agent module's vpc_security_group_ids)."
  value       = aws_security_group.agents.id
}

output "agent_security_group_arn" {
  description = "ARN of the agents' security group (scopes the execution roles' ec2:CreateNetworkInterface)."
  value       = aws_security_group.agents.arn
}

output "endpoint_security_group_id" {
  description = "Id of the interface endpoints' security group, or null when there are no interface endpoints."
  value       = length(aws_security_group.endpoints) > 0 ? aws_security_group.endpoints[0].id : null
}

output "gateway_endpoint_ids" {
  description = "Ids of the gateway endpoints by service (s3, dynamodb)."
  value       = { for service, endpoint in aws_vpc_endpoint.gateway : service => endpoint.id }
}

output "interface_endpoint_ids" {
  description = "Ids of the interface endpoints by service."
  value       = { for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }
}

output "flow_log_id" {
  description = "Id of the VPC flow log, or null when flow_logs is false."
  value       = length(aws_flow_log.this) > 0 ? aws_flow_log.this[0].id : null
}

output "flow_log_group_name" {
  description = "Name of the flow log group, or null when flow_logs is false."
  value       = length(aws_cloudwatch_log_group.flow_logs) > 0 ? aws_cloudwatch_log_group.flow_logs[0].name : null
}
