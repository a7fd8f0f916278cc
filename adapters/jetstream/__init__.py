"""JetStream persistence for eventsourcing: ``PERSISTENCE_MODULE=adapters.jetstream``."""

from adapters.jetstream.factory import JetStreamFactory

__all__ = ["JetStreamFactory"]
