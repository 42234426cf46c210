resource "aws_s3_bucket" "site" {
  bucket        = "emu-objects"
  force_destroy = true
}

resource "aws_s3_object" "config" {
  bucket       = aws_s3_bucket.site.id
  key          = "config/agent.json"
  content      = jsonencode({ model = "claude" })
  content_type = "application/json"
  tags         = { kind = "config" }
}

resource "aws_sns_topic" "alarms" {
  name = "emu-alarms"
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "emu-agent-errors"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 1
  metric_name         = "Errors"
  namespace           = "AWS/Lambda"
  period              = 60
  statistic           = "Sum"
  threshold           = 1
  alarm_actions       = [aws_sns_topic.alarms.arn]
  dimensions          = { FunctionName = "emu-agent" }
  treat_missing_data  = "notBreaching"
}

output "etag" { value = aws_s3_object.config.etag }
output "alarm_arn" { value = aws_cloudwatch_metric_alarm.errors.arn }
