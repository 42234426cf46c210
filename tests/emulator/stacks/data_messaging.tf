resource "aws_kms_key" "main" {
  description             = "emulator test key"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_kms_alias" "main" {
  name          = "alias/emu-main"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_dynamodb_table" "sessions" {
  name         = "emu-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "user"
    type = "S"
  }
  global_secondary_index {
    name            = "by-user"
    hash_key        = "user"
    projection_type = "KEYS_ONLY"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.main.arn
  }
  point_in_time_recovery {
    enabled = true
  }
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }
  tags = { component = "data" }
}

resource "aws_sqs_queue" "dlq" {
  name                      = "emu-tasks-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "tasks" {
  name                       = "emu-tasks"
  visibility_timeout_seconds = 120
  kms_master_key_id          = aws_kms_key.main.arn
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.tasks.arn]
  })
}

resource "aws_sqs_queue" "retries" {
  name = "emu-retries"
}

resource "aws_sqs_queue_redrive_policy" "retries" {
  queue_url = aws_sqs_queue.retries.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 3
  })
}

resource "aws_sns_topic" "events" {
  name              = "emu-events"
  kms_master_key_id = aws_kms_alias.main.name
}

data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.tasks.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.events.arn]
    }
  }
}

data "aws_iam_policy_document" "topic" {
  statement {
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.events.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_sns_topic_policy" "events" {
  arn    = aws_sns_topic.events.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sqs_queue_policy" "tasks" {
  queue_url = aws_sqs_queue.tasks.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_sns_topic_subscription" "tasks" {
  topic_arn            = aws_sns_topic.events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.tasks.arn
  raw_message_delivery = true
}

output "retries_url" { value = aws_sqs_queue.retries.url }
output "table_arn" { value = aws_dynamodb_table.sessions.arn }
output "queue_url" { value = aws_sqs_queue.tasks.url }
output "topic_arn" { value = aws_sns_topic.events.arn }
output "key_arn" { value = aws_kms_key.main.arn }
