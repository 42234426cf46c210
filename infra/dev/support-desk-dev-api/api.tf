# construct support-desk-dev-api/api
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
  name               = "support-desk-dev"
  routes = {
    "GET /health" = {
      function_name = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev-support.outputs.cross-stack-output-moduleagent_supportfunction_name
      invoke_arn    = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev-support.outputs.cross-stack-output-moduleagent_supportinvoke_arn
    }
    "POST /chat" = {
      function_name = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev-support.outputs.cross-stack-output-moduleagent_supportfunction_name
      invoke_arn    = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev-support.outputs.cross-stack-output-moduleagent_supportinvoke_arn
    }
  }
  tags                   = {}
  throttling_burst_limit = 100
  throttling_rate_limit  = 50
}
