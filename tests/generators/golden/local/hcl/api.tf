# construct support-desk-local/api
module "api" {
  source        = "./modules/http-api"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    "5xx" = {
      name               = "support-desk-local-5xx"
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
      name               = "support-desk-local-4xx"
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
      name               = "support-desk-local-latency-p95"
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
  cors = {
    allow_origins     = ["https://support.acme.com"]
    allow_methods     = ["GET", "OPTIONS", "POST"]
    allow_headers     = ["authorization", "content-type"]
    expose_headers    = []
    max_age           = 300
    allow_credentials = false
  }
  dashboard_name = "support-desk-local"
  dashboard_widgets = [
    {
      type   = "metric"
      width  = 8
      height = 6
      properties = {
        title  = "support: invocations, errors, throttles"
        region = data.aws_region.region.region
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", "support-desk-local-support"],
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
        title  = "support: duration"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/Lambda",
            "Duration",
            "FunctionName",
            "support-desk-local-support",
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
              value = 60000
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
        title  = "support: queues (depth, oldest age)"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "support-desk-local-support-dlq",
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
          ["AWS/Lambda", "Invocations", "FunctionName", "support-desk-local-triage"],
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
            "support-desk-local-triage",
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
              value = 60000
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
            "support-desk-local-inbound",
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
        title  = "Bedrock anthropic.claude-sonnet-4-20250514-v1:0"
        region = data.aws_region.region.region
        metrics = [
          [
            "AWS/Bedrock",
            "Invocations",
            "ModelId",
            "anthropic.claude-sonnet-4-20250514-v1:0",
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
  log_retention_days = 30
  name               = "support-desk-local"
  ok_actions         = [module.alarm_topic.topic_arn]
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
