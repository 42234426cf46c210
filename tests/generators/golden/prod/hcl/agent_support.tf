# construct support-desk-prod/agent_support
module "agent_support" {
  source                 = "./modules/strands-agent"
  architecture           = "arm64"
  dead_letter_target_arn = module.dlq_support.queue_arn
  description            = ""
  environment_variables = {
    ATTACHMENTS_BUCKET    = module.bucket_attachments.bucket_name
    ESCALATIONS_TOPIC_ARN = module.topic_escalations.topic_arn
    STRANDS_ENVIRONMENT   = "prod"
    STRANDS_MODEL_ID      = "anthropic.claude-sonnet-4-20250514-v1:0"
    STRANDS_PROJECT       = "support-desk"
    TICKETS_TABLE         = module.table_tickets.table_name
  }
  ephemeral_storage    = 512
  handler              = "app.handler"
  log_retention_days   = 30
  memory_size          = 1024
  name                 = "support-desk-prod-support"
  reserved_concurrency = 50
  role_arn             = module.role_support.role_arn
  runtime              = "python3.12"
  sensitive_environment_variables = {
    LOG_LEVEL = "info"
  }
  tags = {
    "strands:agent" = "support"
  }
  timeout                = 60
  tracing                = true
  vpc_security_group_ids = [module.vpc.agent_security_group_id]
  vpc_subnet_ids         = module.vpc.private_subnet_ids
  depends_on             = [module.role_support]
}

# construct support-desk-prod/alarms_support
module "alarms_support" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    errors = {
      name        = "support-desk-prod-support-errors"
      description = "Invocation errors of agent support"
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions = {
        FunctionName = "support-desk-prod-support"
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
      name        = "support-desk-prod-support-throttles"
      description = "Throttled invocations of agent support"
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions = {
        FunctionName = "support-desk-prod-support"
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
      name        = "support-desk-prod-support-duration-p95"
      description = "p95 duration of agent support at 80% of its 60 s timeout"
      namespace   = "AWS/Lambda"
      metric_name = "Duration"
      dimensions = {
        FunctionName = "support-desk-prod-support"
      }
      statistic           = "Sum"
      extended_statistic  = "p95"
      comparison_operator = "GreaterThanOrEqualToThreshold"
      threshold           = 48000
      period              = 300
      evaluation_periods  = 1
      treat_missing_data  = "notBreaching"
      unit                = "Milliseconds"
    }
    dead_letter_messages = {
      name        = "support-desk-prod-support-dlq-messages"
      description = "Failed events of agent support waiting in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions = {
        QueueName = "support-desk-prod-support-dlq"
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
      name        = "support-desk-prod-support-dlq-age"
      description = "Age of the oldest failed event of agent support in its dead-letter queue"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions = {
        QueueName = "support-desk-prod-support-dlq"
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
    "strands:agent" = "support"
  }
}

# construct support-desk-prod/dlq_support
module "dlq_support" {
  source                    = "./modules/sqs-queue"
  message_retention_seconds = 1209600
  name                      = "support-desk-prod-support-dlq"
  tags = {
    "strands:agent" = "support"
  }
}

# construct support-desk-prod/role_support
module "role_support" {
  source = "./modules/execution-role"
  name   = "support-desk-prod-support"
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
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/support-desk-prod-support:*",
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
      sid     = "ReadAttachments"
      effect  = "Allow"
      actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]
      resources = [
        module.bucket_attachments.bucket_arn,
        "${module.bucket_attachments.bucket_arn}/*",
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
      resources = [module.table_tickets.table_arn, "${module.table_tickets.table_arn}/index/*"]
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
