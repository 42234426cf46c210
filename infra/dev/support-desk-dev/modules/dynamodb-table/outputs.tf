output "table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table (index ARNs are <table_arn>/index/<name>)."
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the table's stream, or null when the stream is disabled."
  value       = var.stream_view_type == null ? null : aws_dynamodb_table.this.stream_arn
}
