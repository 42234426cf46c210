output "table_conversations_name" {
  description = "name of resource conversations"
  value       = module.table_conversations.table_name
}

output "table_conversations_arn" {
  description = "ARN of resource conversations"
  value       = module.table_conversations.table_arn
}

output "table_tickets_name" {
  description = "name of resource tickets"
  value       = module.table_tickets.table_name
}

output "table_tickets_arn" {
  description = "ARN of resource tickets"
  value       = module.table_tickets.table_arn
}

output "queue_inbound_url" {
  description = "URL of resource inbound"
  value       = module.queue_inbound.queue_url
}

output "queue_inbound_arn" {
  description = "ARN of resource inbound"
  value       = module.queue_inbound.queue_arn
}

output "topic_escalations_arn" {
  description = "ARN of resource escalations"
  value       = module.topic_escalations.topic_arn
}

output "topic_escalations_name" {
  description = "name of resource escalations"
  value       = module.topic_escalations.topic_name
}

output "agent_assistant_function_name" {
  description = "Lambda function of assistant"
  value       = module.agent_assistant.function_name
}

output "agent_assistant_function_arn" {
  description = "ARN of agent assistant"
  value       = module.agent_assistant.function_arn
}

output "agent_assistant_log_group" {
  description = "CloudWatch log group of assistant"
  value       = module.agent_assistant.log_group_name
}

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

output "vpc_id" {
  description = "Id of the VPC"
  value       = module.vpc.vpc_id
}

output "vpc_private_subnet_ids" {
  description = "Private subnets of the VPC (where agents run)"
  value       = module.vpc.private_subnet_ids
}

output "vpc_agent_security_group_id" {
  description = "Security group of the agents in the VPC"
  value       = module.vpc.agent_security_group_id
}

output "api_endpoint" {
  description = "Base URL of the HTTP API"
  value       = module.api.stage_invoke_url
}

output "api_id" {
  description = "Id of the HTTP API"
  value       = module.api.api_id
}

output "alarm_topic_arn" {
  description = "Topic the alarms notify"
  value       = module.alarm_topic.topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment"
  value       = module.api.dashboard_name
}
