"""HTTP API: `/api/v1/...` routes, one module per resource, plus the Rasa action endpoint."""
