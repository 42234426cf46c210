# construct support-desk-dev/queue_inbound
module "queue_inbound" {
  source                    = "./modules/sqs-queue"
  create_dead_letter_queue  = false
  delay_seconds             = 0
  fifo                      = false
  message_retention_seconds = 345600
  name                      = "support-desk-dev-inbound"
  receive_wait_time_seconds = 0
  tags = {
    "strands:resource" = "inbound"
  }
  visibility_timeout_seconds = 120
}
