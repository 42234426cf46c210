output "bucket_name" {
  description = "Name of the bucket (known at plan time, so callers can use it in count and for_each)."
  value       = aws_s3_bucket.this.bucket
  # a bucket is usable (for example as an access log target) once its policy is in place
  depends_on = [aws_s3_bucket_policy.this]
}

output "bucket_arn" {
  description = "ARN of the bucket (object ARNs are <bucket_arn>/<key>)."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}
