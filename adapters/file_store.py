"""The bytes of chat files (guide §9.5): a JetStream Object Store bucket, `QUORUM_FILES`,
on the event store's NATS connection, with the streams' replica count. Objects are
named by the `ChatFile`'s ID; what the file is (name, sender, who may read it) is in
the event store, never here."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, BinaryIO, TypeVar

from eventsourcing.persistence import OperationalError
from nats.js import api
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.object_store import ObjectStore

from adapters.jetstream.client import JetStreamClient, StoreUnavailable
from adapters.jetstream.loop import run_sync

BUCKET = "QUORUM_FILES"
REQUEST_TIMEOUT = 30.0
"""For each JetStream request (one chunk of 128 KiB, or the bucket's metadata)."""

T = TypeVar("T")


class FileStore:
    """`domain.messaging.files.FileBytes` on JetStream. Synchronous, like the recorders:
    each call runs on the NATS loop thread (`adapters.jetstream.loop`)."""

    def __init__(
        self,
        client: JetStreamClient,
        bucket: str = BUCKET,
        description: str = "Quorum chat files (guide §9.5)",
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.description = description
        self._store: ObjectStore | None = None

    def ensure(self) -> None:
        """Create the bucket if it is not there (first start)."""
        self._run(self._open())

    def put(self, file_id: str, data: BinaryIO) -> int:
        async def put() -> int:
            # Any binary reader is read in chunks (`readinto`), off the loop thread.
            info = await (await self._open()).put(file_id, data)  # type: ignore[arg-type]
            return int(info.size or 0)

        return self._run(put())

    def get(self, file_id: str, into: BinaryIO) -> bool:
        async def get() -> bool:
            try:
                await (await self._open()).get(file_id, writeinto=into)  # type: ignore[arg-type]
            except NotFoundError:  # never stored, or deleted
                return False
            return True

        return self._run(get())

    def delete(self, file_id: str) -> bool:
        async def delete() -> bool:
            try:
                await (await self._open()).delete(file_id)
            except NotFoundError:
                return False
            return True

        return self._run(delete())

    async def _open(self) -> ObjectStore:
        if self._store is None:
            js = self.client.nc.jetstream(timeout=REQUEST_TIMEOUT)
            try:
                self._store = await js.object_store(self.bucket)
            except BucketNotFoundError:
                config = api.ObjectStoreConfig(
                    description=self.description,
                    storage=api.StorageType.FILE,
                    replicas=self.client.replicas,
                )
                # Two processes creating it at once both succeed: the config is the same.
                self._store = await js.create_object_store(self.bucket, config=config)
        return self._store

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """NATS failures as the event store's (the API's 503), not as a 500."""
        try:
            return run_sync(coro)
        except (StoreUnavailable, NotFoundError, OSError) as e:
            raise OperationalError(f"file storage unavailable: {e}") from e
        except Exception as e:
            if type(e).__module__.startswith("nats"):
                raise OperationalError(f"file storage unavailable: {e}") from e
            raise
