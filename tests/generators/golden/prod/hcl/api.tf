# construct support-desk-prod/api
module "api" {
  source             = "./modules/http-api"
  authorization_type = "AWS_IAM"
  cors = {
    allow_origins     = ["https://support.acme.com"]
    allow_methods     = ["GET", "OPTIONS", "POST"]
    allow_headers     = ["authorization", "content-type"]
    expose_headers    = []
    max_age           = 300
    allow_credentials = false
  }
  log_retention_days = 30
  name               = "support-desk-prod"
  routes = {
    "GET /health" = {
      function_name = module.agent_support.function_name
      invoke_arn    = module.agent_support.invoke_arn
    }
    "POST /chat" = {
      function_name = module.agent_support.function_name
      invoke_arn    = module.agent_support.invoke_arn
    }
  }
  tags                   = {}
  throttling_burst_limit = 100
  throttling_rate_limit  = 50
}
