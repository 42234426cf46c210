# construct support-desk-dev-support/agent_support
module "agent_support" {
  source                 = "./modules/strands-agent"
  architecture           = "arm64"
  dead_letter_target_arn = module.dlq_support.queue_arn
  description            = ""
  environment_variables = {
    ATTACHMENTS_BUCKET    = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulebucket_attachmentsbucket_name
    ESCALATIONS_TOPIC_ARN = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletopic_escalationstopic_arn
    LOG_LEVEL             = "info"
    STRANDS_ENVIRONMENT   = "dev"
    STRANDS_MODEL_ID      = "anthropic.claude-sonnet-4-20250514-v1:0"
    STRANDS_PROJECT       = "support-desk"
    TICKETS_TABLE         = data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletable_ticketstable_name
  }
  ephemeral_storage  = 512
  handler            = "app.handler"
  log_retention_days = 30
  memory_size        = 512
  name               = "support-desk-dev-support"
  role_arn           = module.role_support.role_arn
  runtime            = "python3.12"
  tags = {
    "strands:agent" = "support"
  }
  timeout    = 60
  tracing    = true
  depends_on = [module.role_support]
}

# construct support-desk-dev-support/dlq_support
module "dlq_support" {
  source                    = "./modules/sqs-queue"
  message_retention_seconds = 1209600
  name                      = "support-desk-dev-support-dlq"
  tags = {
    "strands:agent" = "support"
  }
}

# construct support-desk-dev-support/role_support
module "role_support" {
  source = "./modules/execution-role"
  name   = "support-desk-dev-support"
  policy_statements = [
    {
      sid       = "Deadletter"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [module.dlq_support.queue_arn]
    },
    {
      sid     = "Logs"
      effect  = "Allow"
      actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/support-desk-dev-support:*",
      ]
    },
    {
      sid     = "Model"
      effect  = "Allow"
      actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:bedrock:${data.aws_region.region.region}::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
      ]
    },
    {
      sid     = "PublishEscalations"
      effect  = "Allow"
      actions = ["sns:Publish"]
      resources = [
        data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletopic_escalationstopic_arn,
      ]
    },
    {
      sid     = "ReadAttachments"
      effect  = "Allow"
      actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
      resources = [
        data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulebucket_attachmentsbucket_arn,
        "${data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-modulebucket_attachmentsbucket_arn}/*",
      ]
    },
    {
      sid    = "ReadWriteTickets"
      effect = "Allow"
      actions = [
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
      ]
      resources = [
        data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletable_ticketstable_arn,
        "${data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.cross-stack-output-moduletable_ticketstable_arn}/index/*",
      ]
    },
    {
      sid       = "Tracing"
      effect    = "Allow"
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = ["*"]
    },
  ]
  tags = {
    "strands:agent" = "support"
  }
}
