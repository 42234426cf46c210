# construct support-desk-dev/table_tickets
module "table_tickets" {
  source                 = "./modules/dynamodb-table"
  billing_mode           = "PAY_PER_REQUEST"
  deletion_protection    = false
  hash_key               = "ticket_id"
  hash_key_type          = "S"
  name                   = "support-desk-dev-tickets"
  point_in_time_recovery = true
  range_key              = "created_at"
  range_key_type         = "S"
  tags = {
    "strands:resource" = "tickets"
  }
}
