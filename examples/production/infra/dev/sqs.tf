# construct acme-agents-dev/queue_inbound
module "queue_inbound" {
  source                    = "./modules/sqs-queue"
  create_dead_letter_queue  = true
  delay_seconds             = 0
  fifo                      = false
  max_receive_count         = 5
  message_retention_seconds = 345600
  name                      = "acme-agents-dev-inbound"
  receive_wait_time_seconds = 0
  tags = {
    "strands:resource" = "inbound"
  }
  visibility_timeout_seconds = 720
}
