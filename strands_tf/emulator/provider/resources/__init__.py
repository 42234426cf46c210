"""Handlers for every resource type and data source the emulator provider can apply."""

from __future__ import annotations

from strands_tf.emulator.provider.resources.apigatewayv2 import (
    ApiGatewayV2Api,
    ApiGatewayV2Authorizer,
    ApiGatewayV2Integration,
    ApiGatewayV2Route,
    ApiGatewayV2Stage,
)
from strands_tf.emulator.provider.resources.base import DataSourceHandler, ResourceHandler
from strands_tf.emulator.provider.resources.cloudwatch import Dashboard, MetricAlarm
from strands_tf.emulator.provider.resources.dynamodb import DynamoDbTable
from strands_tf.emulator.provider.resources.ec2 import (
    DefaultSecurityGroup,
    Eip,
    FlowLog,
    InternetGateway,
    IpamPoolCidrAllocation,
    NatGateway,
    Route,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    SecurityGroupEgressRule,
    SecurityGroupIngressRule,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from strands_tf.emulator.provider.resources.ec2_lookup import RouteTableLookup, RouteTablesLookup, SubnetLookup
from strands_tf.emulator.provider.resources.iam import (
    IamPolicy,
    IamPolicyDocument,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
)
from strands_tf.emulator.provider.resources.kms import KmsAlias, KmsKey
from strands_tf.emulator.provider.resources.lambda_ import (
    LambdaEventSourceMapping,
    LambdaFunction,
    LambdaLayerVersion,
    LambdaPermission,
)
from strands_tf.emulator.provider.resources.logs import LogGroup
from strands_tf.emulator.provider.resources.meta import AvailabilityZones, CallerIdentity, Partition, Region
from strands_tf.emulator.provider.resources.s3 import (
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLogging,
    S3BucketOwnershipControls,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketSSE,
    S3BucketVersioning,
    S3Object,
)
from strands_tf.emulator.provider.resources.sns import SnsTopic, SnsTopicPolicy, SnsTopicSubscription
from strands_tf.emulator.provider.resources.sqs import (
    SqsQueue,
    SqsQueuePolicy,
    SqsQueueRedriveAllowPolicy,
    SqsQueueRedrivePolicy,
)
from strands_tf.emulator.provider.resources.xray import XraySamplingRule

_RESOURCE_CLASSES: list[type[ResourceHandler]] = [
    S3Bucket,
    S3BucketVersioning,
    S3BucketSSE,
    S3BucketPublicAccessBlock,
    S3BucketOwnershipControls,
    S3BucketPolicy,
    S3BucketLifecycleConfiguration,
    S3BucketLogging,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
    IamPolicy,
    LogGroup,
    DynamoDbTable,
    SqsQueue,
    SqsQueuePolicy,
    SqsQueueRedrivePolicy,
    SqsQueueRedriveAllowPolicy,
    SnsTopic,
    SnsTopicPolicy,
    SnsTopicSubscription,
    KmsKey,
    KmsAlias,
    LambdaFunction,
    LambdaLayerVersion,
    LambdaPermission,
    LambdaEventSourceMapping,
    ApiGatewayV2Api,
    ApiGatewayV2Stage,
    ApiGatewayV2Route,
    ApiGatewayV2Integration,
    ApiGatewayV2Authorizer,
    S3Object,
    MetricAlarm,
    Dashboard,
    XraySamplingRule,
    Vpc,
    Subnet,
    InternetGateway,
    SecurityGroup,
    DefaultSecurityGroup,
    SecurityGroupIngressRule,
    SecurityGroupEgressRule,
    RouteTable,
    Route,
    RouteTableAssociation,
    Eip,
    NatGateway,
    FlowLog,
    VpcEndpoint,
    IpamPoolCidrAllocation,
]
_DATA_SOURCE_CLASSES: list[type[DataSourceHandler]] = [
    CallerIdentity,
    Region,
    Partition,
    IamPolicyDocument,
    AvailabilityZones,
    SubnetLookup,
    RouteTablesLookup,
    RouteTableLookup,
]

RESOURCES: dict[str, type[ResourceHandler]] = {c.type_name: c for c in _RESOURCE_CLASSES}
DATA_SOURCES: dict[str, type[DataSourceHandler]] = {c.type_name: c for c in _DATA_SOURCE_CLASSES}
