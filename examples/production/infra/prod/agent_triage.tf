# construct acme-agents-prod/dlq_triage
module "dlq_triage" {
  source                    = "./modules/sqs-queue"
  message_retention_seconds = 1209600
  name                      = "acme-agents-prod-triage-dlq"
  tags = {
    "strands:agent" = "triage"
  }
}

# construct acme-agents-prod/agent_triage
module "agent_triage" {
  source                 = "./modules/strands-agent"
  architecture           = "arm64"
  dead_letter_target_arn = module.dlq_triage.queue_arn
  description            = "Classifies incoming tickets from a queue"
  environment_variables = {
    ESCALATIONS_TOPIC_ARN = module.topic_escalations.topic_arn
    INBOUND_QUEUE_URL     = module.queue_inbound.queue_url
    STRANDS_ENVIRONMENT   = "prod"
    STRANDS_MODEL_ID      = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    STRANDS_PROJECT       = "acme-agents"
    TICKETS_TABLE         = module.table_tickets.table_name
  }
  ephemeral_storage      = 512
  filename               = "assets/triage-code.zip"
  handler                = "app.handler"
  layer_filename         = "assets/triage-layer.zip"
  layer_source_code_hash = "knlz/5P4w/0wAGZrvAlaRk7MpiDaRQ15M8C1Kz6Sr3Y="
  log_retention_days     = 90
  memory_size            = 2048
  name                   = "acme-agents-prod-triage"
  role_arn               = module.role_triage.role_arn
  runtime                = "python3.12"
  source_code_hash       = "XrD3N8JxpVIdxnz/4I7cRuytc6DaVG4NFZ9zQeDUT1w="
  sqs_triggers = [
    {
      queue_arn                          = module.queue_inbound.queue_arn
      batch_size                         = 10
      maximum_batching_window_in_seconds = 0
      enabled                            = true
    },
  ]
  tags = {
    "strands:agent" = "triage"
  }
  timeout                = 120
  tracing                = true
  vpc_security_group_ids = [module.vpc.agent_security_group_id]
  vpc_subnet_ids         = module.vpc.private_subnet_ids
  depends_on             = [module.role_triage]
}

# construct acme-agents-prod/role_triage
module "role_triage" {
  source = "./modules/execution-role"
  name   = "acme-agents-prod-triage"
  policy_statements = [
    {
      sid       = "Deadletter"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [module.dlq_triage.queue_arn]
    },
    {
      sid     = "Logs"
      effect  = "Allow"
      actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/acme-agents-prod-triage:*",
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
      sid       = "PublishEscalations"
      effect    = "Allow"
      actions   = ["sns:Publish"]
      resources = [module.topic_escalations.topic_arn]
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
      resources = [module.queue_inbound.queue_arn]
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
      resources = [module.table_tickets.table_arn]
    },
  ]
  tags = {
    "strands:agent" = "triage"
  }
}

# construct acme-agents-prod/alarms_triage
module "alarms_triage" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    errors = {
      name        = "acme-agents-prod-triage-errors"
      description = "Invocation errors of agent triage"
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions = {
        FunctionName = "acme-agents-prod-triage"
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
      name        = "acme-agents-prod-triage-throttles"
      description = "Throttled invocations of agent triage"
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions = {
        FunctionName = "acme-agents-prod-triage"
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
      name        = "acme-agents-prod-triage-duration-p95"
      description = "p95 duration of agent triage at 80% of its 120 s timeout"
      namespace   = "AWS/Lambda"
      metric_name = "Duration"
      dimensions = {
        FunctionName = "acme-agents-prod-triage"
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
      name        = "acme-agents-prod-triage-dlq-messages"
      description = "Failed events of agent triage waiting in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions = {
        QueueName = "acme-agents-prod-triage-dlq"
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
      name        = "acme-agents-prod-triage-dlq-age"
      description = "Age of the oldest failed event of agent triage in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions = {
        QueueName = "acme-agents-prod-triage-dlq"
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
    queue_age_inbound = {
      name        = "acme-agents-prod-triage-inbound-age"
      description = "Age of the oldest message of queue inbound waiting for agent triage"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions = {
        QueueName = "acme-agents-prod-inbound"
      }
      statistic           = "Maximum"
      extended_statistic  = null
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 300
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = "Seconds"
    }
  }
  ok_actions = [module.alarm_topic.topic_arn]
  tags = {
    "strands:agent" = "triage"
  }
}
