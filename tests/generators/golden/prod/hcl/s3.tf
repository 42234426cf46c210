# construct support-desk-prod/bucket_attachments
module "bucket_attachments" {
  source                             = "./modules/s3-bucket"
  bucket                             = "support-desk-prod-attachments-${data.aws_caller_identity.caller.account_id}"
  force_destroy                      = false
  noncurrent_version_expiration_days = 90
  tags = {
    "strands:resource" = "attachments"
  }
  versioning = true
}
