# construct support-desk-local/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-local/partition
data "aws_partition" "partition" {
}

# construct support-desk-local/region
data "aws_region" "region" {
}
