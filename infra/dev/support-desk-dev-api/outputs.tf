output "api_endpoint" {
  description = "Base URL of the HTTP API"
  value       = module.api.stage_invoke_url
}

output "api_id" {
  description = "Id of the HTTP API"
  value       = module.api.api_id
}
