locals {
  suffix     = var.fifo ? ".fifo" : ""
  queue_name = "${var.name}${local.suffix}"
  dlq_name   = "${var.name}-dlq${local.suffix}"
  use_kms    = var.kms_master_key_id != null
}

resource "aws_sqs_queue" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  name                              = local.dlq_name
  fifo_queue                        = var.fifo
  content_based_deduplication       = var.fifo ? var.content_based_deduplication : null
  message_retention_seconds         = var.dead_letter_retention_seconds
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.use_kms ? var.kms_data_key_reuse_period_seconds : null
  sqs_managed_sse_enabled           = local.use_kms ? null : true

  tags = var.tags
}

resource "aws_sqs_queue" "this" {
  name                              = local.queue_name
  fifo_queue                        = var.fifo
  content_based_deduplication       = var.fifo ? var.content_based_deduplication : null
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  delay_seconds                     = var.delay_seconds
  receive_wait_time_seconds         = var.receive_wait_time_seconds
  max_message_size                  = var.max_message_size
  kms_master_key_id                 = var.kms_master_key_id
  kms_data_key_reuse_period_seconds = local.use_kms ? var.kms_data_key_reuse_period_seconds : null
  sqs_managed_sse_enabled           = local.use_kms ? null : true

  tags = var.tags
}

resource "aws_sqs_queue_redrive_policy" "this" {
  count = var.create_dead_letter_queue ? 1 : 0

  queue_url = aws_sqs_queue.this.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[0].arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  count = var.create_dead_letter_queue ? 1 : 0

  queue_url = aws_sqs_queue.dead_letter[0].id
  # Only this queue may use the dead-letter queue.
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = statement.value.sid
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = [aws_sqs_queue.this.arn]

      dynamic "principals" {
        for_each = statement.value.principals

        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.this.json

  # One attribute change at a time on the queue: emulators that rewrite all attributes on each
  # SetQueueAttributes call (moto) would otherwise drop whichever write lands first.
  depends_on = [aws_sqs_queue_redrive_policy.this]
}
