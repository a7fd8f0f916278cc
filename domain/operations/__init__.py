"""The server's own life: its starts and stops (guide §16.1.1 `start`, `stop`)."""
