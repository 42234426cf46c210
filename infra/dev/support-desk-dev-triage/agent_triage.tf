# construct support-desk-dev-triage/agent_triage
module "agent_triage" {
  source       = "./modules/strands-agent"
  architecture = "arm64"
  description  = ""
  environment_variables = {
    INBOUND_QUEUE_URL   = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulequeue_inboundqueue_url
    STRANDS_ENVIRONMENT = "dev"
    STRANDS_PROJECT     = "support-desk"
    TICKETS_TABLE       = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletable_ticketstable_name
  }
  ephemeral_storage  = 512
  handler            = "app.handler"
  log_retention_days = 30
  memory_size        = 512
  name               = "support-desk-dev-triage"
  role_arn           = module.role_triage.role_arn
  runtime            = "python3.12"
  sqs_triggers = [
    {
      queue_arn                          = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulequeue_inboundqueue_arn
      batch_size                         = 10
      maximum_batching_window_in_seconds = 0
      enabled                            = true
    },
  ]
  tags = {
    "strands:agent" = "triage"
  }
  timeout    = 60
  tracing    = true
  depends_on = [module.role_triage]
}

# construct support-desk-dev-triage/role_triage
module "role_triage" {
  source = "./modules/execution-role"
  name   = "support-desk-dev-triage"
  policy_statements = [
    {
      sid     = "Logs"
      effect  = "Allow"
      actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/support-desk-dev-triage:*",
      ]
    },
    {
      sid       = "Tracing"
      effect    = "Allow"
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    },
    {
      sid    = "TriggerInbound"
      effect = "Allow"
      actions = [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
      ]
      resources = [
        data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulequeue_inboundqueue_arn,
      ]
    },
    {
      sid    = "WriteTickets"
      effect = "Allow"
      actions = [
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ]
      resources = [
        data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletable_ticketstable_arn,
      ]
    },
  ]
  tags = {
    "strands:agent" = "triage"
  }
}
