# construct acme-agents-prod/dlq_assistant
module "dlq_assistant" {
  source                    = "./modules/sqs-queue"
  message_retention_seconds = 1209600
  name                      = "acme-agents-prod-assistant-dlq"
  tags = {
    "strands:agent" = "assistant"
  }
}

# construct acme-agents-prod/agent_assistant
module "agent_assistant" {
  source                 = "./modules/strands-agent"
  architecture           = "arm64"
  dead_letter_target_arn = module.dlq_assistant.queue_arn
  description            = "Answers questions over HTTP"
  environment_variables = {
    CONVERSATIONS_TABLE = module.table_conversations.table_name
    STRANDS_ENVIRONMENT = "prod"
    STRANDS_MODEL_ID    = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    STRANDS_PROJECT     = "acme-agents"
  }
  ephemeral_storage      = 512
  filename               = "assets/assistant-code.zip"
  handler                = "app.handler"
  layer_filename         = "assets/assistant-layer.zip"
  layer_source_code_hash = "knlz/5P4w/0wAGZrvAlaRk7MpiDaRQ15M8C1Kz6Sr3Y="
  log_retention_days     = 90
  memory_size            = 2048
  name                   = "acme-agents-prod-assistant"
  reserved_concurrency   = 50
  role_arn               = module.role_assistant.role_arn
  runtime                = "python3.12"
  source_code_hash       = "SOyYtQWyniJwNXca+0fQJwbkjM5ISwFH4mjH7ki7tCY="
  tags = {
    "strands:agent" = "assistant"
  }
  timeout                = 120
  tracing                = true
  vpc_security_group_ids = [module.vpc.agent_security_group_id]
  vpc_subnet_ids         = module.vpc.private_subnet_ids
  depends_on             = [module.role_assistant]
}

# construct acme-agents-prod/role_assistant
module "role_assistant" {
  source = "./modules/execution-role"
  name   = "acme-agents-prod-assistant"
  policy_statements = [
    {
      sid       = "Deadletter"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [module.dlq_assistant.queue_arn]
    },
    {
      sid     = "Logs"
      effect  = "Allow"
      actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/acme-agents-prod-assistant:*",
      ]
    },
    {
      sid     = "Model"
      effect  = "Allow"
      actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:bedrock:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
        "arn:${data.aws_partition.partition.partition}:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
        "arn:${data.aws_partition.partition.partition}:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
        "arn:${data.aws_partition.partition.partition}:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
      ]
    },
    {
      sid       = "NetworkDescribe"
      effect    = "Allow"
      actions   = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
      resources = ["*"]
    },
    {
      sid    = "NetworkInterfaceAddresses"
      effect = "Allow"
      actions = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:DeleteNetworkInterface",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = [
        "arn:${data.aws_partition.partition.partition}:ec2:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:network-interface/*",
      ]
    },
    {
      sid     = "NetworkInterfaces"
      effect  = "Allow"
      actions = ["ec2:CreateNetworkInterface"]
      resources = [
        module.vpc.agent_security_group_arn,
        "arn:${data.aws_partition.partition.partition}:ec2:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:network-interface/*",
        "arn:${data.aws_partition.partition.partition}:ec2:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:subnet/*",
      ]
    },
    {
      sid    = "ReadWriteConversations"
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
        module.table_conversations.table_arn,
        "${module.table_conversations.table_arn}/index/*",
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
    "strands:agent" = "assistant"
  }
}

# construct acme-agents-prod/alarms_assistant
module "alarms_assistant" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    errors = {
      name        = "acme-agents-prod-assistant-errors"
      description = "Invocation errors of agent assistant"
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions = {
        FunctionName = "acme-agents-prod-assistant"
      }
      statistic           = "Sum"
      extended_statistic  = null
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 1
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = null
    }
    throttles = {
      name        = "acme-agents-prod-assistant-throttles"
      description = "Throttled invocations of agent assistant"
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions = {
        FunctionName = "acme-agents-prod-assistant"
      }
      statistic           = "Sum"
      extended_statistic  = null
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 1
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = null
    }
    duration_p95 = {
      name        = "acme-agents-prod-assistant-duration-p95"
      description = "p95 duration of agent assistant at 80% of its 120 s timeout"
      namespace   = "AWS/Lambda"
      metric_name = "Duration"
      dimensions = {
        FunctionName = "acme-agents-prod-assistant"
      }
      statistic           = "Sum"
      extended_statistic  = "p95"
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 96000
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = "Milliseconds"
    }
    dead_letter_messages = {
      name        = "acme-agents-prod-assistant-dlq-messages"
      description = "Failed events of agent assistant waiting in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions = {
        QueueName = "acme-agents-prod-assistant-dlq"
      }
      statistic           = "Maximum"
      extended_statistic  = null
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 1
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = null
    }
    dead_letter_age = {
      name        = "acme-agents-prod-assistant-dlq-age"
      description = "Age of the oldest failed event of agent assistant in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions = {
        QueueName = "acme-agents-prod-assistant-dlq"
      }
      statistic           = "Maximum"
      extended_statistic  = null
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 3600
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = "Seconds"
    }
  }
  ok_actions = [module.alarm_topic.topic_arn]
  tags = {
    "strands:agent" = "assistant"
  }
}
