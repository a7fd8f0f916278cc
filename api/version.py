"""The server's version, as /server/status and the OpenAPI document report it."""

VERSION = "0.1.0"
