"""Response models of the HTTP API, one module per area: what /openapi.json documents."""
