"""Terraform resource types → CloudFormation type names, for the CDK-compatible state file.

Where CloudFormation has an equivalent the name is the real one; Terraform types that configure a
part of a CloudFormation resource (S3 bucket versioning, encryption...) map to the resource they
configure. Types not in the table get a derived name and are flagged as derived.
"""

from __future__ import annotations

from dataclasses import dataclass

CFN_TYPES: dict[str, str] = {
    # Lambda
    "aws_lambda_function": "AWS::Lambda::Function",
    "aws_lambda_permission": "AWS::Lambda::Permission",
    "aws_lambda_layer_version": "AWS::Lambda::LayerVersion",
    "aws_lambda_layer_version_permission": "AWS::Lambda::LayerVersionPermission",
    "aws_lambda_event_source_mapping": "AWS::Lambda::EventSourceMapping",
    "aws_lambda_alias": "AWS::Lambda::Alias",
    "aws_lambda_function_url": "AWS::Lambda::Url",
    "aws_lambda_function_event_invoke_config": "AWS::Lambda::EventInvokeConfig",
    "aws_lambda_provisioned_concurrency_config": "AWS::Lambda::Version",
    "aws_lambda_code_signing_config": "AWS::Lambda::CodeSigningConfig",
    # IAM
    "aws_iam_role": "AWS::IAM::Role",
    "aws_iam_policy": "AWS::IAM::ManagedPolicy",
    "aws_iam_role_policy": "AWS::IAM::RolePolicy",
    "aws_iam_role_policy_attachment": "AWS::IAM::RolePolicyAttachment",
    "aws_iam_policy_attachment": "AWS::IAM::PolicyAttachment",
    "aws_iam_user": "AWS::IAM::User",
    "aws_iam_user_policy": "AWS::IAM::UserPolicy",
    "aws_iam_user_policy_attachment": "AWS::IAM::UserPolicyAttachment",
    "aws_iam_group": "AWS::IAM::Group",
    "aws_iam_group_policy": "AWS::IAM::GroupPolicy",
    "aws_iam_group_policy_attachment": "AWS::IAM::GroupPolicyAttachment",
    "aws_iam_instance_profile": "AWS::IAM::InstanceProfile",
    "aws_iam_openid_connect_provider": "AWS::IAM::OIDCProvider",
    "aws_iam_service_linked_role": "AWS::IAM::ServiceLinkedRole",
    "aws_iam_access_key": "AWS::IAM::AccessKey",
    # CloudWatch Logs / CloudWatch / EventBridge
    "aws_cloudwatch_log_group": "AWS::Logs::LogGroup",
    "aws_cloudwatch_log_stream": "AWS::Logs::LogStream",
    "aws_cloudwatch_log_metric_filter": "AWS::Logs::MetricFilter",
    "aws_cloudwatch_log_subscription_filter": "AWS::Logs::SubscriptionFilter",
    "aws_cloudwatch_log_resource_policy": "AWS::Logs::ResourcePolicy",
    "aws_cloudwatch_metric_alarm": "AWS::CloudWatch::Alarm",
    "aws_cloudwatch_composite_alarm": "AWS::CloudWatch::CompositeAlarm",
    "aws_cloudwatch_dashboard": "AWS::CloudWatch::Dashboard",
    "aws_cloudwatch_event_rule": "AWS::Events::Rule",
    "aws_cloudwatch_event_target": "AWS::Events::Rule",
    "aws_cloudwatch_event_bus": "AWS::Events::EventBus",
    "aws_scheduler_schedule": "AWS::Scheduler::Schedule",
    # API Gateway v2 / v1
    "aws_apigatewayv2_api": "AWS::ApiGatewayV2::Api",
    "aws_apigatewayv2_stage": "AWS::ApiGatewayV2::Stage",
    "aws_apigatewayv2_route": "AWS::ApiGatewayV2::Route",
    "aws_apigatewayv2_integration": "AWS::ApiGatewayV2::Integration",
    "aws_apigatewayv2_authorizer": "AWS::ApiGatewayV2::Authorizer",
    "aws_apigatewayv2_deployment": "AWS::ApiGatewayV2::Deployment",
    "aws_apigatewayv2_domain_name": "AWS::ApiGatewayV2::DomainName",
    "aws_apigatewayv2_api_mapping": "AWS::ApiGatewayV2::ApiMapping",
    "aws_apigatewayv2_vpc_link": "AWS::ApiGatewayV2::VpcLink",
    "aws_api_gateway_rest_api": "AWS::ApiGateway::RestApi",
    "aws_api_gateway_resource": "AWS::ApiGateway::Resource",
    "aws_api_gateway_method": "AWS::ApiGateway::Method",
    "aws_api_gateway_integration": "AWS::ApiGateway::Method",
    "aws_api_gateway_deployment": "AWS::ApiGateway::Deployment",
    "aws_api_gateway_stage": "AWS::ApiGateway::Stage",
    # DynamoDB
    "aws_dynamodb_table": "AWS::DynamoDB::Table",
    "aws_dynamodb_global_table": "AWS::DynamoDB::GlobalTable",
    "aws_dynamodb_table_item": "AWS::DynamoDB::Table",
    # S3 (configuration sub-resources belong to the bucket in CloudFormation)
    "aws_s3_bucket": "AWS::S3::Bucket",
    "aws_s3_bucket_policy": "AWS::S3::BucketPolicy",
    "aws_s3_bucket_versioning": "AWS::S3::Bucket",
    "aws_s3_bucket_server_side_encryption_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_public_access_block": "AWS::S3::Bucket",
    "aws_s3_bucket_ownership_controls": "AWS::S3::Bucket",
    "aws_s3_bucket_lifecycle_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_logging": "AWS::S3::Bucket",
    "aws_s3_bucket_cors_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_notification": "AWS::S3::Bucket",
    "aws_s3_bucket_acl": "AWS::S3::Bucket",
    "aws_s3_bucket_website_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_replication_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_object_lock_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_accelerate_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_intelligent_tiering_configuration": "AWS::S3::Bucket",
    "aws_s3_bucket_metric": "AWS::S3::Bucket",
    "aws_s3_bucket_inventory": "AWS::S3::Bucket",
    "aws_s3_object": "AWS::S3::Object",
    "aws_s3_bucket_object": "AWS::S3::Object",
    "aws_s3_access_point": "AWS::S3::AccessPoint",
    # SQS / SNS
    "aws_sqs_queue": "AWS::SQS::Queue",
    "aws_sqs_queue_policy": "AWS::SQS::QueuePolicy",
    "aws_sqs_queue_redrive_policy": "AWS::SQS::Queue",
    "aws_sqs_queue_redrive_allow_policy": "AWS::SQS::Queue",
    "aws_sns_topic": "AWS::SNS::Topic",
    "aws_sns_topic_subscription": "AWS::SNS::Subscription",
    "aws_sns_topic_policy": "AWS::SNS::TopicPolicy",
    # KMS / Secrets / SSM
    "aws_kms_key": "AWS::KMS::Key",
    "aws_kms_alias": "AWS::KMS::Alias",
    "aws_kms_key_policy": "AWS::KMS::Key",
    "aws_kms_replica_key": "AWS::KMS::ReplicaKey",
    "aws_secretsmanager_secret": "AWS::SecretsManager::Secret",
    "aws_secretsmanager_secret_version": "AWS::SecretsManager::Secret",
    "aws_secretsmanager_secret_policy": "AWS::SecretsManager::ResourcePolicy",
    "aws_secretsmanager_secret_rotation": "AWS::SecretsManager::RotationSchedule",
    "aws_ssm_parameter": "AWS::SSM::Parameter",
    # EC2 / VPC
    "aws_vpc": "AWS::EC2::VPC",
    "aws_subnet": "AWS::EC2::Subnet",
    "aws_internet_gateway": "AWS::EC2::InternetGateway",
    "aws_internet_gateway_attachment": "AWS::EC2::VPCGatewayAttachment",
    "aws_egress_only_internet_gateway": "AWS::EC2::EgressOnlyInternetGateway",
    "aws_nat_gateway": "AWS::EC2::NatGateway",
    "aws_eip": "AWS::EC2::EIP",
    "aws_eip_association": "AWS::EC2::EIPAssociation",
    "aws_route_table": "AWS::EC2::RouteTable",
    "aws_route_table_association": "AWS::EC2::SubnetRouteTableAssociation",
    "aws_route": "AWS::EC2::Route",
    "aws_default_route_table": "AWS::EC2::RouteTable",
    "aws_security_group": "AWS::EC2::SecurityGroup",
    "aws_default_security_group": "AWS::EC2::SecurityGroup",
    "aws_security_group_rule": "AWS::EC2::SecurityGroupIngress",
    "aws_vpc_security_group_ingress_rule": "AWS::EC2::SecurityGroupIngress",
    "aws_vpc_security_group_egress_rule": "AWS::EC2::SecurityGroupEgress",
    "aws_vpc_endpoint": "AWS::EC2::VPCEndpoint",
    "aws_vpc_endpoint_service": "AWS::EC2::VPCEndpointService",
    "aws_network_acl": "AWS::EC2::NetworkAcl",
    "aws_network_acl_rule": "AWS::EC2::NetworkAclEntry",
    "aws_network_interface": "AWS::EC2::NetworkInterface",
    "aws_flow_log": "AWS::EC2::FlowLog",
    "aws_vpc_ipam": "AWS::EC2::IPAM",
    "aws_vpc_ipam_pool": "AWS::EC2::IPAMPool",
    "aws_vpc_ipam_pool_cidr": "AWS::EC2::IPAMPoolCidr",
    "aws_vpc_ipam_pool_cidr_allocation": "AWS::EC2::IPAMAllocation",
    "aws_instance": "AWS::EC2::Instance",
    "aws_launch_template": "AWS::EC2::LaunchTemplate",
    "aws_launch_configuration": "AWS::AutoScaling::LaunchConfiguration",
    "aws_autoscaling_group": "AWS::AutoScaling::AutoScalingGroup",
    "aws_autoscaling_policy": "AWS::AutoScaling::ScalingPolicy",
    "aws_key_pair": "AWS::EC2::KeyPair",
    # Load balancing / DNS / certificates
    "aws_lb": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "aws_alb": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "aws_lb_listener": "AWS::ElasticLoadBalancingV2::Listener",
    "aws_alb_listener": "AWS::ElasticLoadBalancingV2::Listener",
    "aws_lb_listener_rule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "aws_lb_target_group": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "aws_alb_target_group": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "aws_route53_zone": "AWS::Route53::HostedZone",
    "aws_route53_record": "AWS::Route53::RecordSet",
    "aws_acm_certificate": "AWS::CertificateManager::Certificate",
    # Containers / compute / orchestration
    "aws_ecr_repository": "AWS::ECR::Repository",
    "aws_ecr_lifecycle_policy": "AWS::ECR::Repository",
    "aws_ecs_cluster": "AWS::ECS::Cluster",
    "aws_ecs_service": "AWS::ECS::Service",
    "aws_ecs_task_definition": "AWS::ECS::TaskDefinition",
    "aws_sfn_state_machine": "AWS::StepFunctions::StateMachine",
    "aws_kinesis_stream": "AWS::Kinesis::Stream",
    "aws_cloudfront_distribution": "AWS::CloudFront::Distribution",
    "aws_wafv2_web_acl": "AWS::WAFv2::WebACL",
    "aws_cognito_user_pool": "AWS::Cognito::UserPool",
    "aws_cognito_user_pool_client": "AWS::Cognito::UserPoolClient",
    # Bedrock
    "aws_bedrock_guardrail": "AWS::Bedrock::Guardrail",
    "aws_bedrockagent_agent": "AWS::Bedrock::Agent",
    "aws_bedrockagent_knowledge_base": "AWS::Bedrock::KnowledgeBase",
    "aws_bedrockagentcore_agent_runtime": "AWS::BedrockAgentCore::Runtime",
    # Budgets / cost
    "aws_budgets_budget": "AWS::Budgets::Budget",
    "aws_ce_cost_allocation_tag": "AWS::CE::CostAllocationTag",
}

# CloudFormation's spelling of service names that are not a plain capitalisation.
_SERVICE_NAMES = {
    "iam": "IAM",
    "kms": "KMS",
    "sqs": "SQS",
    "sns": "SNS",
    "ssm": "SSM",
    "ec2": "EC2",
    "ecs": "ECS",
    "ecr": "ECR",
    "vpc": "EC2",
    "acm": "CertificateManager",
    "s3": "S3",
    "dynamodb": "DynamoDB",
    "apigatewayv2": "ApiGatewayV2",
    "cloudwatch": "CloudWatch",
    "lambda": "Lambda",
    "sfn": "StepFunctions",
    "wafv2": "WAFv2",
    "rds": "RDS",
    "efs": "EFS",
    "eks": "EKS",
    "elasticache": "ElastiCache",
    "opensearch": "OpenSearchService",
    "route53": "Route53",
    "cloudfront": "CloudFront",
    "bedrockagent": "Bedrock",
}


@dataclass(frozen=True, slots=True)
class CfnType:
    """A CloudFormation type name and whether it was derived (no table entry)."""

    name: str
    derived: bool


def _camel(words: list[str]) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def cfn_type(tf_type: str) -> CfnType:
    """The CloudFormation type name of a Terraform resource type."""
    known = CFN_TYPES.get(tf_type)
    if known:
        return CfnType(known, False)
    parts = tf_type.split("_")
    if parts[0] == "aws" and len(parts) >= 3:
        service = _SERVICE_NAMES.get(parts[1], parts[1][:1].upper() + parts[1][1:])
        return CfnType(f"AWS::{service}::{_camel(parts[2:])}", True)
    if parts[0] == "aws" and len(parts) == 2:
        return CfnType(f"AWS::{_camel(parts[1:])}::Resource", True)
    # Not an AWS resource (terraform_data, null_resource, random_id...): a CloudFormation custom type.
    return CfnType(f"Custom::{_camel(parts)}", True)
