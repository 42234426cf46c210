variable "name" {
  description = "Dashboard name (letters, digits, hyphens and underscores)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.name))
    error_message = "name must be 1-255 letters, digits, hyphens and underscores."
  }
}

variable "widgets" {
  description = "The dashboard's widgets as CloudWatch's PutDashboard takes them (type, width, height, properties); widgets without x and y are placed in order."
  type        = any

  validation {
    condition     = can(length(var.widgets)) && length(var.widgets) > 0 && length(var.widgets) <= 500
    error_message = "widgets must be a list of 1-500 widgets."
  }
}
