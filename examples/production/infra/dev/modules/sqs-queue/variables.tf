variable "name" {
  description = "Name of the queue without the .fifo suffix (added when fifo is true)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,71}$", var.name))
    error_message = "name must be 1-71 characters of letters, digits, hyphens and underscores (SQS allows 80: room is left for the -dlq and .fifo suffixes)."
  }
}

variable "fifo" {
  description = "Create a FIFO queue (exactly-once, ordered); the name gets the .fifo suffix."
  type        = bool
  default     = false
}

variable "content_based_deduplication" {
  description = "FIFO only: deduplicate messages by a SHA-256 of their body."
  type        = bool
  default     = false
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays hidden (0-43200 s); set it to at least the consumer's timeout."
  type        = number
  default     = 30

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 0 and 43200."
  }
}

variable "message_retention_seconds" {
  description = "How long a message is kept (60-1209600 s)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "delay_seconds" {
  description = "Delivery delay of new messages (0-900 s)."
  type        = number
  default     = 0

  validation {
    condition     = var.delay_seconds >= 0 && var.delay_seconds <= 900
    error_message = "delay_seconds must be between 0 and 900."
  }
}

variable "receive_wait_time_seconds" {
  description = "Long-polling wait of receive calls (0-20 s)."
  type        = number
  default     = 20

  validation {
    condition     = var.receive_wait_time_seconds >= 0 && var.receive_wait_time_seconds <= 20
    error_message = "receive_wait_time_seconds must be between 0 and 20."
  }
}

variable "max_message_size" {
  description = "Largest message accepted, in bytes (1024-1048576)."
  type        = number
  default     = 262144

  validation {
    condition     = var.max_message_size >= 1024 && var.max_message_size <= 1048576
    error_message = "max_message_size must be between 1024 and 1048576 bytes."
  }
}

variable "kms_master_key_id" {
  description = "KMS key id, ARN or alias for SSE-KMS (alias/aws/sqs for the AWS managed key); null uses SQS managed encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "kms_data_key_reuse_period_seconds" {
  description = "SSE-KMS only: how long SQS reuses a data key (60-86400 s)."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds must be between 60 and 86400."
  }
}

variable "create_dead_letter_queue" {
  description = "Create a dead-letter queue <name>-dlq that receives messages received max_receive_count times."
  type        = bool
  default     = false
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "dead_letter_retention_seconds" {
  description = "Message retention of the dead-letter queue (60-1209600 s)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dead_letter_retention_seconds >= 60 && var.dead_letter_retention_seconds <= 1209600
    error_message = "dead_letter_retention_seconds must be between 60 and 1209600."
  }
}

variable "policy_statements" {
  description = "Extra statements of the queue policy (resource is the queue). Principals are AWS ARNs or service names. A TLS-only deny is always added."
  type = list(object({
    sid        = string
    effect     = string
    actions    = list(string)
    principals = list(object({ type = string, identifiers = list(string) }))
    conditions = list(object({ test = string, variable = string, values = list(string) }))
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.policy_statements : contains(["Allow", "Deny"], s.effect) && length(s.actions) > 0 && length(s.principals) > 0])
    error_message = "each queue policy statement needs effect Allow or Deny, at least one action and at least one principal."
  }

  validation {
    condition     = alltrue(flatten([for s in var.policy_statements : [for p in s.principals : contains(["AWS", "Service"], p.type) && !contains(p.identifiers, "*")]]))
    error_message = "queue policy principals must be of type AWS or Service and never \"*\" (no public queues)."
  }
}

variable "tags" {
  description = "Tags applied to the queue and its dead-letter queue."
  type        = map(string)
  default     = {}
}
