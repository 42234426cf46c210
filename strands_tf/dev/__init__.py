"""Local development loop: API Gateway v2 / SQS events to handlers, hot reload, environment injection."""
