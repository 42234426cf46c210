output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "qualified_arn" {
  description = "ARN of the Lambda function qualified with its latest published version."
  value       = aws_lambda_function.this.qualified_arn
}

output "invoke_arn" {
  description = "ARN that API Gateway uses to invoke the function."
  value       = aws_lambda_function.this.invoke_arn
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "layer_arn" {
  description = "ARN (with version) of the dependencies layer, or null when the function has no layer."
  value       = local.create_layer ? aws_lambda_layer_version.this[0].arn : null
}
