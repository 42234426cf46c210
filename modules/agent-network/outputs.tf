output "security_group_ids" {
  description = "Id of each security group, by key."
  value       = { for key, group in aws_security_group.this : key => group.id }
}

output "security_group_arns" {
  description = "ARN of each security group, by key (the agents' roles may create network interfaces in them)."
  value       = { for key, group in aws_security_group.this : key => group.arn }
}

output "subnet_ids" {
  description = "The subnets the agents run in (checked when check_subnets is true)."
  value       = var.subnet_ids
}
