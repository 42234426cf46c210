output "table_tickets_name" {
  description = "name of resource tickets"
  value       = module.table_tickets.table_name
}

output "table_tickets_arn" {
  description = "ARN of resource tickets"
  value       = module.table_tickets.table_arn
}

output "bucket_attachments_name" {
  description = "name of resource attachments"
  value       = module.bucket_attachments.bucket_name
}

output "bucket_attachments_arn" {
  description = "ARN of resource attachments"
  value       = module.bucket_attachments.bucket_arn
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

output "cross-stack-output-modulebucket_attachmentsbucket_name" {
  description = "read by stack support-desk-dev-support"
  sensitive   = true
  value       = module.bucket_attachments.bucket_name
}

output "cross-stack-output-moduletopic_escalationstopic_arn" {
  description = "read by stack support-desk-dev-support"
  sensitive   = true
  value       = module.topic_escalations.topic_arn
}

output "cross-stack-output-moduletable_ticketstable_name" {
  description = "read by stack support-desk-dev-support"
  sensitive   = true
  value       = module.table_tickets.table_name
}

output "cross-stack-output-modulebucket_attachmentsbucket_arn" {
  description = "read by stack support-desk-dev-support"
  sensitive   = true
  value       = module.bucket_attachments.bucket_arn
}

output "cross-stack-output-moduletable_ticketstable_arn" {
  description = "read by stack support-desk-dev-support"
  sensitive   = true
  value       = module.table_tickets.table_arn
}

output "cross-stack-output-modulequeue_inboundqueue_url" {
  description = "read by stack support-desk-dev-triage"
  sensitive   = true
  value       = module.queue_inbound.queue_url
}

output "cross-stack-output-modulequeue_inboundqueue_arn" {
  description = "read by stack support-desk-dev-triage"
  sensitive   = true
  value       = module.queue_inbound.queue_arn
}
