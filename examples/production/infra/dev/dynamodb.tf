# construct acme-agents-dev/table_conversations
module "table_conversations" {
  source                 = "./modules/dynamodb-table"
  billing_mode           = "PAY_PER_REQUEST"
  deletion_protection    = false
  hash_key               = "session_id"
  hash_key_type          = "S"
  name                   = "acme-agents-dev-conversations"
  point_in_time_recovery = true
  range_key              = "created_at"
  range_key_type         = "S"
  tags = {
    "strands:resource" = "conversations"
  }
  ttl_attribute = "expires_at"
}

# construct acme-agents-dev/table_tickets
module "table_tickets" {
  source                 = "./modules/dynamodb-table"
  billing_mode           = "PAY_PER_REQUEST"
  deletion_protection    = false
  hash_key               = "ticket_id"
  hash_key_type          = "S"
  name                   = "acme-agents-dev-tickets"
  point_in_time_recovery = true
  range_key              = "created_at"
  range_key_type         = "N"
  tags = {
    "strands:resource" = "tickets"
  }
}
