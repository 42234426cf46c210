"""A Terraform provider (tfplugin6) served as registry.terraform.io/hashicorp/aws, backed by an AWS emulator.

The schema is served as data from the real provider's schema file, so a configuration accepted here is
written for the real provider; create/read/update/delete go through boto3 to the configured endpoints.
"""
