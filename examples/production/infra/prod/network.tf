# construct acme-agents-prod/vpc
module "vpc" {
  source              = "./modules/vpc"
  az_count            = 3
  endpoints           = ["bedrock-runtime", "dynamodb", "logs", "s3", "sns", "sqs"]
  flow_logs           = true
  ipv4_ipam_pool_id   = "ipam-pool-0a1b2c3d4e5f60002"
  ipv4_netmask_length = 20
  name                = "acme-agents-prod"
  nat_gateway         = "one_per_az"
  tags = {
    "strands:vpc" = "prod"
  }
}
