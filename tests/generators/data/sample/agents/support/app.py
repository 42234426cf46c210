"""Support agent (test fixture): answers a chat message."""


def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
