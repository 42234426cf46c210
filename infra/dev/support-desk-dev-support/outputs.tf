output "agent_support_function_name" {
  description = "Lambda function of support"
  value       = module.agent_support.function_name
}

output "agent_support_function_arn" {
  description = "ARN of agent support"
  value       = module.agent_support.function_arn
}

output "agent_support_log_group" {
  description = "CloudWatch log group of support"
  value       = module.agent_support.log_group_name
}

output "cross-stack-output-moduleagent_supportfunction_name" {
  description = "read by stack support-desk-dev-api"
  sensitive   = true
  value       = module.agent_support.function_name
}

output "cross-stack-output-moduleagent_supportinvoke_arn" {
  description = "read by stack support-desk-dev-api"
  sensitive   = true
  value       = module.agent_support.invoke_arn
}
