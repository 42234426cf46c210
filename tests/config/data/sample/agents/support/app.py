"""The support agent of the sample project (only its presence is checked by the loader)."""


def handler(event, context):
    return {"agent": "support"}
