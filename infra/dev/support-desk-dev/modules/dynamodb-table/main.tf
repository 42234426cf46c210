locals {
  provisioned = var.billing_mode == "PROVISIONED"

  # Every key attribute declaration of the table and its indexes; each name must keep one type.
  key_declarations = concat(
    [{ name = var.hash_key, type = var.hash_key_type }],
    var.range_key == null ? [] : [{ name = var.range_key, type = var.range_key_type }],
    [for index in var.global_secondary_indexes : { name = index.hash_key, type = index.hash_key_type }],
    [for index in var.global_secondary_indexes : { name = index.range_key, type = index.range_key_type } if index.range_key != null],
  )
  key_attributes = { for declaration in local.key_declarations : declaration.name => declaration.type... }
}

resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = var.billing_mode
  read_capacity               = local.provisioned ? var.read_capacity : null
  write_capacity              = local.provisioned ? var.write_capacity : null
  hash_key                    = var.hash_key
  range_key                   = var.range_key
  deletion_protection_enabled = var.deletion_protection
  stream_enabled              = var.stream_view_type != null
  stream_view_type            = var.stream_view_type

  dynamic "attribute" {
    for_each = local.key_attributes

    content {
      name = attribute.key
      type = attribute.value[0]
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes

    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = global_secondary_index.value.projection_type
      read_capacity   = local.provisioned ? var.read_capacity : null
      write_capacity  = local.provisioned ? var.write_capacity : null
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.ttl_attribute == null ? [] : [var.ttl_attribute]

    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for name, types in local.key_attributes : length(distinct(types)) == 1])
      error_message = "A key attribute is declared with two different types (table key and index keys must agree)."
    }
  }
}
