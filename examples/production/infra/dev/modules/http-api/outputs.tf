output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_endpoint" {
  description = "Default endpoint of the API (https://<id>.execute-api.<region>.amazonaws.com)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "stage_invoke_url" {
  description = "URL that invokes the stage; route paths are appended to it."
  value       = aws_apigatewayv2_stage.this.invoke_url
}

output "execution_arn" {
  description = "Execution ARN of the API, the prefix of invoke permissions' source ARNs."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "log_group_name" {
  description = "Name of the access log group."
  value       = aws_cloudwatch_log_group.access.name
}

output "alarm_names" {
  description = "Name of each alarm of the API, by key."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "dashboard_name" {
  description = "Name of the environment's dashboard when the API holds it (dashboard_name), else null."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}
