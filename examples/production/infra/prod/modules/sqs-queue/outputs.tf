output "queue_name" {
  description = "Name of the queue (with .fifo for FIFO queues)."
  value       = aws_sqs_queue.this.name
}

output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue, or null when none is created."
  value       = var.create_dead_letter_queue ? aws_sqs_queue.dead_letter[0].arn : null
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue, or null when none is created."
  value       = var.create_dead_letter_queue ? aws_sqs_queue.dead_letter[0].url : null
}
