# construct support-desk-local/agent_triage
module "agent_triage" {
  source       = "./modules/strands-agent"
  architecture = "arm64"
  description  = ""
  environment_variables = {
    INBOUND_QUEUE_URL   = module.queue_inbound.queue_url
    STRANDS_ENVIRONMENT = "local"
    STRANDS_PROJECT     = "support-desk"
    TICKETS_TABLE       = module.table_tickets.table_name
  }
  ephemeral_storage  = 512
  handler            = "app.handler"
  log_retention_days = 30
  memory_size        = 512
  name               = "support-desk-local-triage"
  role_arn           = module.role_triage.role_arn
  runtime            = "python3.12"
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
  timeout    = 60
  tracing    = true
  depends_on = [module.role_triage]
}

# construct support-desk-local/alarms_triage
module "alarms_triage" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    errors = {
      name        = "support-desk-local-triage-errors"
      description = "Invocation errors of agent triage"
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions = {
        FunctionName = "support-desk-local-triage"
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
      name        = "support-desk-local-triage-throttles"
      description = "Throttled invocations of agent triage"
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions = {
        FunctionName = "support-desk-local-triage"
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
      name        = "support-desk-local-triage-duration-p95"
      description = "p95 duration of agent triage at 80% of its 60 s timeout"
      namespace   = "AWS/Lambda"
      metric_name = "Duration"
      dimensions = {
        FunctionName = "support-desk-local-triage"
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
    queue_age_inbound = {
      name        = "support-desk-local-triage-inbound-age"
      description = "Age of the oldest message of queue inbound waiting for agent triage"
      namespace   = "AWS/SQS"
      metric_name = "ApproximateAgeOfOldestMessage"
      dimensions = {
        QueueName = "support-desk-local-inbound"
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

# construct support-desk-local/role_triage
module "role_triage" {
  source = "./modules/execution-role"
  name   = "support-desk-local-triage"
  policy_statements = [
    {
      sid     = "Logs"
      effect  = "Allow"
      actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = [
        "arn:${data.aws_partition.partition.partition}:logs:${data.aws_region.region.region}:${data.aws_caller_identity.caller.account_id}:log-group:/aws/lambda/support-desk-local-triage:*",
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
