# construct acme-agents-prod/api
module "api" {
  source             = "./modules/http-api"
  authorization_type = "AWS_IAM"
  log_retention_days = 90
  name               = "acme-agents-prod"
  routes = {
    "GET /health" = {
      function_name = module.agent_assistant.function_name
      invoke_arn    = module.agent_assistant.invoke_arn
    }
    "POST /chat" = {
      function_name = module.agent_assistant.function_name
      invoke_arn    = module.agent_assistant.invoke_arn
    }
  }
  tags                   = {}
  throttling_burst_limit = 100
  throttling_rate_limit  = 50
}
