"""The HTTP API (JSON under /api/v1) for every role."""
