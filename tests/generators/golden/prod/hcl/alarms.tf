# construct support-desk-prod/alarm_topic
module "alarm_topic" {
  source          = "./modules/alarm-topic"
  display_name    = "support-desk prod alarms"
  email_addresses = []
  https_endpoints = []
  name            = "support-desk-prod-alarms"
  tags            = {}
}

# construct support-desk-prod/bedrock_alarms
module "bedrock_alarms" {
  source        = "./modules/metric-alarms"
  alarm_actions = [module.alarm_topic.topic_arn]
  alarms = {
    "throttles_anthropic.claude-sonnet-4-20250514-v1-0" = {
      name        = "support-desk-prod-bedrock-anthropic.claude-sonnet-4-20250514-v1-0-throttles"
      description = "Throttled Bedrock calls to anthropic.claude-sonnet-4-20250514-v1:0"
      namespace   = "AWS/Bedrock"
      metric_name = "InvocationThrottles"
      dimensions = {
        ModelId = "anthropic.claude-sonnet-4-20250514-v1:0"
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
