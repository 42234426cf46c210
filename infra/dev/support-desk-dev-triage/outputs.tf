output "agent_triage_function_name" {
  description = "Lambda function of triage"
  value       = module.agent_triage.function_name
}

output "agent_triage_function_arn" {
  description = "ARN of agent triage"
  value       = module.agent_triage.function_arn
}

output "agent_triage_log_group" {
  description = "CloudWatch log group of triage"
  value       = module.agent_triage.log_group_name
}
