"""boto3 clients against the test moto server (what the tests check the emulator with)."""

from __future__ import annotations

from typing import Any

import boto3


def client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
