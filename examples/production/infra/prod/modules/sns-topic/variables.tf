variable "name" {
  description = "Name of the topic without the .fifo suffix (added when fifo is true)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,251}$", var.name))
    error_message = "name must be 1-251 characters of letters, digits, hyphens and underscores."
  }
}

variable "display_name" {
  description = "Display name of the topic (used as the sender of SMS and e-mail messages)."
  type        = string
  default     = null
}

variable "fifo" {
  description = "Create a FIFO topic (ordered, deduplicated); the name gets the .fifo suffix."
  type        = bool
  default     = false
}

variable "content_based_deduplication" {
  description = "FIFO only: deduplicate messages by a SHA-256 of their body."
  type        = bool
  default     = false
}

variable "kms_master_key_id" {
  description = "KMS key id, ARN or alias that encrypts messages at rest; the default is the AWS managed key alias/aws/sns."
  type        = string
  default     = "alias/aws/sns"

  validation {
    condition     = var.kms_master_key_id != null && var.kms_master_key_id != ""
    error_message = "kms_master_key_id must name a KMS key (topics are always encrypted); use alias/aws/sns for the AWS managed key."
  }
}

variable "publisher_arns" {
  description = "IAM principal ARNs (roles, accounts) allowed to publish to the topic through the topic policy. Empty adds no publish grant (identity policies still apply)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.publisher_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", arn))])
    error_message = "publisher_arns must be IAM ARNs (arn:aws:iam::<account>:role/..., :user/... or :root); \"*\" is not allowed."
  }
}

variable "tags" {
  description = "Tags applied to the topic."
  type        = map(string)
  default     = {}
}
