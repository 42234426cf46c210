"""Triage agent (test fixture): reads queue messages."""


def handler(event, context):
    return {"batchItemFailures": []}
