variable "name" {
  description = "Name of the topic (and of its KMS key's alias)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,250}$", var.name))
    error_message = "name must be 1-250 letters, digits, hyphens and underscores."
  }
}

variable "display_name" {
  description = "Display name of the topic (the sender name of alarm e-mails)."
  type        = string
  default     = null
}

variable "email_addresses" {
  description = "E-mail addresses subscribed to the topic; each receives a confirmation message first."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for address in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$", address))])
    error_message = "email_addresses must be e-mail addresses."
  }
}

variable "https_endpoints" {
  description = "HTTPS endpoints subscribed to the topic (they must confirm the subscription). Sensitive: a hook's URL usually holds its token."
  type        = list(string)
  default     = []
  sensitive   = true

  validation {
    condition     = alltrue([for url in var.https_endpoints : startswith(url, "https://")])
    error_message = "https_endpoints must be https:// URLs (alarms are never sent over plain http)."
  }
}

variable "key_deletion_window_in_days" {
  description = "Days the topic's KMS key waits before it is deleted after a destroy (7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.key_deletion_window_in_days >= 7 && var.key_deletion_window_in_days <= 30
    error_message = "key_deletion_window_in_days must be 7-30."
  }
}

variable "tags" {
  description = "Tags applied to the topic and its key."
  type        = map(string)
  default     = {}
}
