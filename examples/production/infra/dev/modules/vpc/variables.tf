variable "name" {
  description = "Name prefix of every resource (the VPC is <name>, subnets <name>-private-<az>, the flow log role <name>-flow-logs)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,53}$", var.name))
    error_message = "name must be 1-54 characters of letters, digits, hyphens and underscores, starting with a letter or digit (it prefixes IAM role names)."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC (/16 to /28), for example 10.20.0.0/16. Null when the address space comes from an IPAM pool."
  type        = string
  default     = null

  validation {
    condition     = var.cidr_block == null ? true : can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|2[0-8])$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR with a prefix length between /16 and /28, for example 10.20.0.0/16."
  }
}

variable "ipv4_ipam_pool_id" {
  description = "IPAM pool the VPC CIDR is allocated from (with ipv4_netmask_length). Null when cidr_block is given."
  type        = string
  default     = null

  validation {
    condition     = var.ipv4_ipam_pool_id == null ? true : can(regex("^ipam-pool-[0-9a-f]{8,17}$", var.ipv4_ipam_pool_id))
    error_message = "ipv4_ipam_pool_id must be an IPAM pool id such as ipam-pool-0abc1234567890def."
  }
}

variable "ipv4_netmask_length" {
  description = "Prefix length (16-28) of the CIDR allocated from ipv4_ipam_pool_id."
  type        = number
  default     = null

  validation {
    condition     = var.ipv4_netmask_length == null ? true : (var.ipv4_netmask_length >= 16 && var.ipv4_netmask_length <= 28 && floor(var.ipv4_netmask_length) == var.ipv4_netmask_length)
    error_message = "ipv4_netmask_length must be a whole number between 16 and 28."
  }
}

variable "az_count" {
  description = "Number of availability zones (1-6) to spread the subnets over: the first ones of the region, in name order. Ignored when availability_zones is set."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number between 1 and 6."
  }
}

variable "availability_zones" {
  description = "Names of the availability zones to use (for example [\"eu-west-1a\", \"eu-west-1b\"]). Empty takes the first az_count zones of the region."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) <= 6 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must name at most 6 distinct zones."
  }

  validation {
    condition     = alltrue([for zone in var.availability_zones : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$", zone))])
    error_message = "availability_zones must be zone names such as eu-west-1a."
  }
}

variable "nat_gateway" {
  description = "Internet egress of the private subnets: none (no internet, reach AWS through endpoints), single (one NAT gateway) or one_per_az (one NAT gateway per zone, survives a zone outage)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "one_per_az"], var.nat_gateway)
    error_message = "nat_gateway must be none, single or one_per_az."
  }
}

variable "endpoints" {
  description = "AWS services reached through VPC endpoints: s3 and dynamodb get gateway endpoints on the private route tables, every other service (for example bedrock-runtime, sqs, ecr.api) an interface endpoint with private DNS in the private subnets."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for service in var.endpoints : can(regex("^[a-z0-9-]+(\\.[a-z0-9-]+)*$", service))])
    error_message = "endpoints must be service names such as s3, dynamodb, bedrock-runtime or ecr.api."
  }

  validation {
    condition     = length(distinct(var.endpoints)) == length(var.endpoints)
    error_message = "endpoints must not name a service twice."
  }
}

variable "agent_egress_cidr_blocks" {
  description = "Destinations the agents' security group may reach on HTTPS (443). The default 0.0.0.0/0 covers AWS APIs and model endpoints behind NAT or gateway endpoints; narrow it when everything goes through interface endpoints."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.agent_egress_cidr_blocks) > 0 && alltrue([for cidr in var.agent_egress_cidr_blocks : can(cidrhost(cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", cidr))])
    error_message = "agent_egress_cidr_blocks must be one or more IPv4 CIDRs."
  }
}

variable "endpoint_client_security_group_ids" {
  description = "More security groups (besides the agents' group of this module) whose members may reach the interface endpoints on HTTPS."
  type        = list(string)
  default     = []
}

variable "flow_logs" {
  description = "Record VPC flow logs to a CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_log_traffic_type" {
  description = "Traffic the flow log records: ALL, ACCEPT or REJECT."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ALL", "ACCEPT", "REJECT"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ALL, ACCEPT or REJECT."
  }
}

variable "flow_log_max_aggregation_interval" {
  description = "Seconds (60 or 600) over which a flow is captured into one record."
  type        = number
  default     = 600

  validation {
    condition     = contains([60, 600], var.flow_log_max_aggregation_interval)
    error_message = "flow_log_max_aggregation_interval must be 60 or 600."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the flow log group in days (a value CloudWatch Logs accepts; 0 keeps logs forever)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "flow_log_kms_key_arn" {
  description = "KMS key ARN that encrypts the flow log group. Null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null

  validation {
    condition     = var.flow_log_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.flow_log_kms_key_arn))
    error_message = "flow_log_kms_key_arn must be a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/<id>."
  }
}

variable "tags" {
  description = "Tags applied to every resource of the module that supports tags."
  type        = map(string)
  default     = {}
}
