variable "name" {
  description = "Name prefix of the security groups (<name>-<group key>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,200}$", var.name))
    error_message = "name must be 1-200 letters, digits, dots, hyphens and underscores."
  }
}

variable "vpc_id" {
  description = "The VPC the agents run in (an existing one, or the vpc module's)."
  type        = string
}

variable "subnet_ids" {
  description = "The subnets the agents run in; with check_subnets they must be private subnets of vpc_id."
  type        = list(string)
  default     = []
}

variable "check_subnets" {
  description = "Check at plan time that every subnet is in vpc_id and private (no route to an internet gateway, no public IPs on launch): the subnet ids must then be known at plan time (existing subnets). Off for subnets this configuration creates itself."
  type        = bool
  default     = true
}

variable "security_groups" {
  description = "The agents' security groups by key: agents with the same rules share one. Rules name a CIDR or another security group (by reference), a protocol (tcp, udp, icmp or -1 for all) and a port range."
  type = map(object({
    description = string
    egress = list(object({
      description                  = string
      protocol                     = string
      from_port                    = number
      to_port                      = number
      cidr_ipv4                    = string
      referenced_security_group_id = string
    }))
    ingress = list(object({
      description                  = string
      protocol                     = string
      from_port                    = number
      to_port                      = number
      cidr_ipv4                    = string
      referenced_security_group_id = string
    }))
  }))

  validation {
    condition = alltrue(flatten([
      for group in values(var.security_groups) : [
        for rule in concat(group.egress, group.ingress) : (rule.cidr_ipv4 == null) != (rule.referenced_security_group_id == null)
      ]
    ]))
    error_message = "every rule names exactly one of cidr_ipv4 or referenced_security_group_id."
  }

  validation {
    condition = alltrue(flatten([
      for group in values(var.security_groups) : [
        for rule in concat(group.egress, group.ingress) : contains(["tcp", "udp", "icmp", "-1"], rule.protocol)
      ]
    ]))
    error_message = "protocol must be tcp, udp, icmp or -1 (all)."
  }
}

variable "tags" {
  description = "Tags applied to the security groups and their rules."
  type        = map(string)
  default     = {}
}
