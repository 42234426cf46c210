# construct acme-agents-prod/topic_escalations
module "topic_escalations" {
  source            = "./modules/sns-topic"
  fifo              = false
  kms_master_key_id = "alias/aws/sns"
  name              = "acme-agents-prod-escalations"
  tags = {
    "strands:resource" = "escalations"
  }
}
