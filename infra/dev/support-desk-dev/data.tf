# construct support-desk-dev/caller
data "aws_caller_identity" "caller" {
}

# construct support-desk-dev/partition
data "aws_partition" "partition" {
}

# construct support-desk-dev/region
data "aws_region" "region" {
}
