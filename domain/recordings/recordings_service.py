"""Use cases on recordings: what a media node reports (started, finished with its file),
what administrators do (download, delete), what owners may do (REC-05), and the
retention sweep (REC-07).

The bytes live outside the event store (`FileBytes`: a JetStream Object Store bucket
in production), named by the recording's ID; the `Finished` fact names them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from eventsourcing.application import AggregateNotFoundError

from domain.messaging.files import FileBytes
from domain.recordings.recording import AUTOMATIC, MANUAL, NO_TITLE, Recording, recording_uuid
from domain.recordings.retention import RecordingsExpired, cutoff, expired
from domain.settings.recordings import DEFAULTS
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore, with_retries
from domain.shared.clock import now
from domain.shared.errors import FieldProblem, Forbidden, NotFound, invalid

SECTION = "recordings"
MAX_TEXT = 255
FORMATS = ("webm", "mp4", "mkv")
"""REC-06 leaves the formats open; what a VP8-capable player opens."""


class RecordingUnavailable(NotFound):
    """The recording is listed but its file is not there (REC-09); the API answers 410."""


def _text(name: str, value: object, *, required: bool = True) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (required and not value.strip()):
        raise invalid(name, f"a{' non-empty' if required else ''} string of at most {MAX_TEXT}")
    return value.strip()


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(name, "a whole number, 0 or more")
    return value


class RecordingsService:
    def __init__(self, store: QuorumStore, files: FileBytes, settings: SettingsService) -> None:
        self.store = store
        self.files = files
        self.settings = settings

    def section(self) -> dict[str, Any]:
        values: dict[str, Any] = self.settings.get().section(SECTION)
        return {**DEFAULTS, **values}

    # -- what a media node reports ------------------------------------------------------

    def record_started(
        self,
        session_id: object,
        conference_id: object,
        conference_name: object,
        owner: object,
        started_at: datetime | None = None,
    ) -> Recording:
        """A P2P call has no conference ID; its recording is named "(no title)"."""
        cid = _text("conference_id", conference_id, required=False)
        name = _text("conference_name", conference_name, required=False)
        recording = Recording(
            session_id=_text("session_id", session_id),
            conference_id=cid,
            conference_name=(name or NO_TITLE) if cid else NO_TITLE,
            owner=_text("owner", owner).lower(),
            started_at=started_at or now(),
        )
        self.store.save(recording)  # a new aggregate: no concurrent writer
        return recording

    def record_finished(
        self, recording_id: object, duration: object, file_format: object, data: BinaryIO
    ) -> Recording:
        """Keep the file's bytes, then the fact naming them; if the fact cannot be
        stored the bytes go again."""
        seconds = _whole("duration", duration)
        if file_format not in FORMATS:
            raise invalid("file_format", f"one of {', '.join(FORMATS)}")
        recording = self.get(recording_id)
        if recording.finished:
            raise invalid("recording_id", "the recording has already finished", "conflict")
        file_id = recording.recording_id
        size = self.files.put(file_id, data)
        try:
            recording.finish(seconds, size, file_id, str(file_format))
            self.store.save(recording)
        except BaseException:
            self.files.delete(file_id)
            raise
        return recording

    # -- administrators -----------------------------------------------------------------

    def delete(self, recording_id: object) -> Recording:
        """An administrator deletes the recording (`delete_video_recording`); its file
        goes once the fact is stored."""

        def attempt() -> Recording:
            recording = self.get(recording_id)
            if not recording.delete(MANUAL, now()):
                raise self._not_found(recording_id)
            self.store.save(recording)
            return recording

        deleted = with_retries(attempt)
        if deleted.file_id is not None:
            self.files.delete(deleted.file_id)
        return deleted

    def delete_expired(
        self, at: datetime, keep_days: int | None, candidates: Iterable[str]
    ) -> RecordingsExpired | None:
        """REC-07: delete the `candidates` that ended more than `keep_days` days before
        `at`; one `RecordingsExpired` fact with the count if any went. `keep_days`
        None keeps every recording forever."""
        if keep_days is None:
            return None
        before = cutoff(at, keep_days)
        gone: list[Recording] = []
        for recording_id in candidates:

            def attempt(recording_id: str = recording_id) -> Recording | None:
                recording = self.find(recording_id)
                if recording is None or not expired(recording, before):
                    return None  # another sweep got there first, or it is young
                recording.delete(AUTOMATIC, at)
                self.store.save(recording)
                return recording

            deleted = with_retries(attempt)
            if deleted is not None:
                gone.append(deleted)
        if not gone:
            return None
        summary = RecordingsExpired(
            keep_days=keep_days,
            before=before,
            recording_ids=[r.recording_id for r in gone],
            count=len(gone),
        )
        self.store.save(summary)
        for recording in gone:
            if recording.file_id is not None:
                self.files.delete(recording.file_id)
        return summary

    # -- reading ------------------------------------------------------------------------

    def find(self, recording_id: object) -> Recording | None:
        aggregate_id = recording_uuid(recording_id)
        if aggregate_id is None:
            return None
        try:
            found: object = self.store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Recording) else None

    def get(self, recording_id: object, field_name: str = "recording_id") -> Recording:
        """A recording that was not deleted; NotFound naming `field_name`."""
        recording = self.find(recording_id)
        if recording is None or recording.deleted:
            raise self._not_found(recording_id, field_name)
        return recording

    def for_admin(self, recording_id: object) -> Recording:
        """Any finished recording: administrators (security admins too, §18.9.5)."""
        recording = self.get(recording_id)
        if not recording.finished:
            raise RecordingUnavailable(
                f"recording {recording_id} is still being recorded",
                [FieldProblem("recording_id", "notReady", "still being recorded")],
            )
        return recording

    def for_owner(self, recording_id: object, user_id: str) -> Recording:
        """The owner's download (REC-05): NotFound unless they own it, Forbidden while
        the settings forbid owners to download. Nobody else, moderators included
        (CONF-07), downloads as a user."""
        recording = self.get(recording_id)
        if recording.owner != user_id.lower():
            raise self._not_found(recording_id)
        if self.section()["forbid_owner_download"]:
            raise Forbidden(
                "the server does not let conference owners download recordings (§9.6)",
                [FieldProblem("forbid_owner_download", "forbidden", "owners may not download")],
            )
        return self.for_admin(recording_id)

    def owner_may_download(self) -> bool:
        return not self.section()["forbid_owner_download"]

    def read(self, recording: Recording, into: BinaryIO) -> None:
        if recording.file_id is None or not self.files.get(recording.file_id, into):
            raise RecordingUnavailable(
                f"the file of recording {recording.recording_id} is not in the recordings "
                "storage (REC-09)",
                [FieldProblem("recording_id", "unavailable", "the file is not there")],
            )

    @staticmethod
    def _not_found(recording_id: object, field_name: str = "recording_id") -> NotFound:
        return NotFound(
            f"no recording {recording_id!r}",
            [FieldProblem(field_name, "notFound", "no such recording")],
        )
