# construct support-desk-prod/vpc
module "vpc" {
  source              = "./modules/vpc"
  az_count            = 3
  endpoints           = ["bedrock-runtime", "dynamodb", "s3"]
  flow_logs           = true
  ipv4_ipam_pool_id   = "ipam-pool-0abc1234567890def"
  ipv4_netmask_length = 20
  name                = "support-desk-prod"
  nat_gateway         = "one_per_az"
  tags = {
    "strands:vpc" = "prod"
  }
}
