output "topic_name" {
  description = "Name of the topic (with .fifo for FIFO topics)."
  value       = aws_sns_topic.this.name
}

output "topic_arn" {
  description = "ARN of the topic."
  value       = aws_sns_topic.this.arn
}
