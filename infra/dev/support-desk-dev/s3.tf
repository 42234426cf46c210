# construct support-desk-dev/bucket_attachments
module "bucket_attachments" {
  source                             = "./modules/s3-bucket"
  bucket                             = "support-desk-dev-attachments-${data.aws_caller_identity.caller.account_id}"
  force_destroy                      = false
  noncurrent_version_expiration_days = 90
  tags = {
    "strands:resource" = "attachments"
  }
  versioning = true
}
