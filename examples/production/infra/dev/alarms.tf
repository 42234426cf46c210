# construct acme-agents-dev/alarm_topic
module "alarm_topic" {
  source          = "./modules/alarm-topic"
  display_name    = "acme-agents dev alarms"
  email_addresses = ["ai-platform-dev@example.com"]
  https_endpoints = []
  name            = "acme-agents-dev-alarms"
  tags            = {}
}

# construct acme-agents-dev/bedrock_alarms
module "bedrock_alarms" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    "throttles_us.anthropic.claude-sonnet-4-20250514-v1-0" = {
      name        = "acme-agents-dev-bedrock-us.anthropic.claude-sonnet-4-20250514-v1-0-throttles"
      description = "Throttled Bedrock calls to us.anthropic.claude-sonnet-4-20250514-v1:0"
      namespace   = "AWS/Bedrock"
      metric_name = "InvocationThrottles"
      dimensions = {
        ModelId = "us.anthropic.claude-sonnet-4-20250514-v1:0"
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
  }
  ok_actions = [module.alarm_topic.topic_arn]
  tags       = {}
}
