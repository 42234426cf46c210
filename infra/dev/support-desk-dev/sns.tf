# construct support-desk-dev/topic_escalations
module "topic_escalations" {
  source            = "./modules/sns-topic"
  fifo              = false
  kms_master_key_id = "alias/aws/sns"
  name              = "support-desk-dev-escalations"
  tags = {
    "strands:resource" = "escalations"
  }
}
