variable "name" {
  description = "Name of the DynamoDB table."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, underscores, hyphens and dots."
  }
}

variable "hash_key" {
  description = "Name of the partition (hash) key attribute."
  type        = string
}

variable "hash_key_type" {
  description = "Type of the partition key: S (string), N (number) or B (binary)."
  type        = string
  default     = "S"

  validation {
    condition     = contains(["S", "N", "B"], var.hash_key_type)
    error_message = "hash_key_type must be S, N or B."
  }
}

variable "range_key" {
  description = "Name of the sort (range) key attribute; null for a partition-key-only table."
  type        = string
  default     = null
}

variable "range_key_type" {
  description = "Type of the sort key: S, N or B (ignored without range_key)."
  type        = string
  default     = "S"

  validation {
    condition     = contains(["S", "N", "B"], var.range_key_type)
    error_message = "range_key_type must be S, N or B."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on demand) or PROVISIONED (with read_capacity and write_capacity)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Provisioned read capacity units (billing_mode PROVISIONED only; also used by each index)."
  type        = number
  default     = 5

  validation {
    condition     = var.read_capacity >= 1
    error_message = "read_capacity must be at least 1."
  }
}

variable "write_capacity" {
  description = "Provisioned write capacity units (billing_mode PROVISIONED only; also used by each index)."
  type        = number
  default     = 5

  validation {
    condition     = var.write_capacity >= 1
    error_message = "write_capacity must be at least 1."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery (continuous backups)."
  type        = bool
  default     = true
}

variable "ttl_attribute" {
  description = "Name of the attribute holding each item's expiry time (epoch seconds); null disables TTL."
  type        = string
  default     = null
}

variable "stream_view_type" {
  description = "Enable a DynamoDB stream with this view: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES; null disables the stream."
  type        = string
  default     = null

  validation {
    condition     = var.stream_view_type == null ? true : contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "stream_view_type must be null, KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key ARN for server-side encryption; null uses the AWS managed key aws/dynamodb (KMS encryption stays on)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the table (set true for production data)."
  type        = bool
  default     = false
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes. range_key may be null; projection_type is ALL, KEYS_ONLY or INCLUDE."
  type = list(object({
    name            = string
    hash_key        = string
    hash_key_type   = string
    range_key       = string
    range_key_type  = string
    projection_type = string
  }))
  default = []

  validation {
    condition     = alltrue([for i in var.global_secondary_indexes : contains(["S", "N", "B"], i.hash_key_type) && (i.range_key == null || contains(["S", "N", "B"], coalesce(i.range_key_type, "-")))])
    error_message = "global_secondary_indexes key types must be S, N or B."
  }

  validation {
    condition     = alltrue([for i in var.global_secondary_indexes : contains(["ALL", "KEYS_ONLY", "INCLUDE"], i.projection_type)])
    error_message = "global_secondary_indexes projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }

  validation {
    condition     = length(distinct([for i in var.global_secondary_indexes : i.name])) == length(var.global_secondary_indexes)
    error_message = "global_secondary_indexes names must be unique."
  }
}

variable "tags" {
  description = "Tags applied to the table."
  type        = map(string)
  default     = {}
}
