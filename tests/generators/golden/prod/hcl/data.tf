# construct support-desk-prod/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-prod/partition
data "aws_partition" "partition" {
}

# construct support-desk-prod/region
data "aws_region" "region" {
}
