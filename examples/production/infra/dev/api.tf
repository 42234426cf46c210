# construct acme-agents-dev/api
module "api" {
  source        = "./modules/http-api"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    "5xx" = {
      name               = "acme-agents-dev-5xx"
      description        = "Server errors of the HTTP API"
      metric_name        = "5xx"
      statistic          = "Sum"
      extended_statistic = null
      threshold          = 1
      period             = 300
      evaluation_periods = 1
      unit               = null
    }
    "4xx" = {
      name               = "acme-agents-dev-4xx"
      description        = "Client errors of the HTTP API"
      metric_name        = "4xx"
      statistic          = "Sum"
      extended_statistic = null
      threshold          = 100
      period             = 300
      evaluation_periods = 1
      unit               = null
    }
    latency_p95 = {
      name               = "acme-agents-dev-latency-p95"
      description        = "p95 latency of the HTTP API"
      metric_name        = "Latency"
      statistic          = "Sum"
      extended_statistic = "p95"
      threshold          = 25000
      period             = 300
      evaluation_periods = 1
      unit               = "Milliseconds"
    }
  }
  authorization_type = "AWS_IAM"
  dashboard_name     = "acme-agents-dev"
  dashboard_widgets = [
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "assistant: invocations, errors, throttles"
        region = data.aws_region.region.region
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", "acme-agents-dev-assistant"],
          [".", "Errors", ".", "."],
          [".", "Throttles", ".", "."],
        ]
        stat   = "Sum"
        period = 300
        view   = "timeSeries"
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "assistant: duration"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/Lambda",
            "Duration",
            "FunctionName",
            "acme-agents-dev-assistant",
            {
              stat = "p50"
            },
          ],
          [
            "...",
            {
              stat = "p95"
            },
          ],
        ]
        stat   = "p95"
        period = 300
        view   = "timeSeries"
        annotations = {
          horizontal = [
            {
              label = "timeout"
              value = 120000
            },
          ]
        }
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "assistant: queues (depth, oldest age)"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "acme-agents-dev-assistant-dlq",
          ],
          [
            ".",
            "ApproximateAgeOfOldestMessage",
            ".",
            ".",
            {
              yAxis = "right"
            },
          ],
        ]
        stat   = "Maximum"
        period = 300
        view   = "timeSeries"
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "triage: invocations, errors, throttles"
        region = data.aws_region.region.region
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", "acme-agents-dev-triage"],
          [".", "Errors", ".", "."],
          [".", "Throttles", ".", "."],
        ]
        stat   = "Sum"
        period = 300
        view   = "timeSeries"
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "triage: duration"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/Lambda",
            "Duration",
            "FunctionName",
            "acme-agents-dev-triage",
            {
              stat = "p50"
            },
          ],
          [
            "...",
            {
              stat = "p95"
            },
          ],
        ]
        stat   = "p95"
        period = 300
        view   = "timeSeries"
        annotations = {
          horizontal = [
            {
              label = "timeout"
              value = 120000
            },
          ]
        }
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "triage: queues (depth, oldest age)"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "acme-agents-dev-triage-dlq",
          ],
          [
            ".",
            "ApproximateAgeOfOldestMessage",
            ".",
            ".",
            {
              yAxis = "right"
            },
          ],
          [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "acme-agents-dev-inbound",
          ],
          [
            ".",
            "ApproximateAgeOfOldestMessage",
            ".",
            ".",
            {
              yAxis = "right"
            },
          ],
        ]
        stat   = "Maximum"
        period = 300
        view   = "timeSeries"
      }
    },
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "Bedrock us.anthropic.claude-sonnet-4-20250514-v1:0"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/Bedrock",
            "Invocations",
            "ModelId",
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
          ],
          [".", "InvocationThrottles", ".", "."],
          [
            ".",
            "InputTokenCount",
            ".",
            ".",
            {
              yAxis = "right"
            },
          ],
          [
            ".",
            "OutputTokenCount",
            ".",
            ".",
            {
              yAxis = "right"
            },
          ],
        ]
        stat   = "Sum"
        period = 300
        view   = "timeSeries"
      }
    },
  ]
  log_retention_days = 90
  name               = "acme-agents-dev"
  ok_actions         = [module.alarm_topic.topic_arn]
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
