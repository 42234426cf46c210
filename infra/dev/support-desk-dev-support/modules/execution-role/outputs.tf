output "role_arn" {
  description = "ARN of the execution role (pass it to the strands-agent module's role_arn)."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "role_id" {
  description = "Unique id of the execution role."
  value       = aws_iam_role.this.unique_id
}

output "policy_name" {
  description = "Name of the inline policy, or null when the role has no inline policy."
  value       = length(var.policy_statements) > 0 ? aws_iam_role_policy.this[0].name : null
}
