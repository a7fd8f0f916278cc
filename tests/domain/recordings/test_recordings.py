"""The facts of a recording, who may download it and how long it is kept (guide §9.6,
§16.5; FEATURES REC-05, REC-07, RECR-01, RECR-03)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from domain.recordings import Recording
from domain.recordings.recording import AUTOMATIC, MANUAL, NO_TITLE
from domain.recordings.recordings_service import RecordingsService, RecordingUnavailable
from domain.recordings.retention import RecordingsExpired
from domain.settings.settings_service import SettingsService
from domain.shared.application import QuorumStore
from domain.shared.errors import Forbidden, InvalidInput, NotFound
from domain.shared.validation import Patch
from tests.domain.clock import T0, Clock
from tests.domain.recordings.conftest import MemoryBytes

VIDEO = b"\x1a\x45\xdf\xa3 not really a webm file" * 100


def _recorded(
    recordings: RecordingsService, owner: str = "jane", cid: str = "123", name: str = "Meeting"
) -> Recording:
    started = recordings.record_started("s1", cid, name, owner)
    return recordings.record_finished(started.recording_id, 95, "webm", io.BytesIO(VIDEO))


def _events(store: QuorumStore, recording: Recording) -> list[object]:
    return list(store.events.get(recording.id))


def test_a_recording_starts_finishes_and_keeps_its_bytes(
    recordings: RecordingsService, files: MemoryBytes, store: QuorumStore
) -> None:
    recording = _recorded(recordings, owner="Jane")
    assert recording.owner == "jane"
    assert (recording.duration, recording.size, recording.file_format) == (95, len(VIDEO), "webm")
    assert recording.started_at == T0
    assert files.kept[recording.recording_id] == VIDEO
    finished = _events(store, recording)[-1]
    assert isinstance(finished, Recording.Finished)
    assert finished.session_id == "s1"
    out = io.BytesIO()
    recordings.read(recordings.for_admin(recording.recording_id), out)
    assert out.getvalue() == VIDEO


def test_a_p2p_call_recording_has_no_title(recordings: RecordingsService) -> None:
    assert recordings.record_started("s2", "", "ignored", "joe").conference_name == NO_TITLE
    assert recordings.record_started("s3", "555", "", "joe").conference_name == NO_TITLE


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "1", "n", "joe"), "session_id"),
        (("s", 5, "n", "joe"), "conference_id"),
        (("s", "1", "n", " "), "owner"),
        (("s", "1", "x" * 300, "joe"), "conference_name"),
    ],
)
def test_bad_facts_are_refused_naming_the_field(
    recordings: RecordingsService,
    store: QuorumStore,
    args: tuple[object, object, object, object],
    field: str,
) -> None:
    head = store.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as refused:
        recordings.record_started(args[0], args[1], args[2], args[3])
    assert refused.value.problems[0].field == field
    assert store.recorder.max_notification_id() == head


def test_a_bad_finish_is_refused_and_stores_nothing(
    recordings: RecordingsService, files: MemoryBytes
) -> None:
    started = recordings.record_started("s1", "1", "n", "joe")
    for duration, fmt, field in ((-1, "webm", "duration"), (3, "avi", "file_format")):
        with pytest.raises(InvalidInput) as refused:
            recordings.record_finished(started.recording_id, duration, fmt, io.BytesIO(VIDEO))
        assert refused.value.problems[0].field == field
    with pytest.raises(NotFound):
        recordings.record_finished("not-an-id", 3, "webm", io.BytesIO(VIDEO))
    assert files.kept == {}
    recordings.record_finished(started.recording_id, 3, "webm", io.BytesIO(VIDEO))
    with pytest.raises(InvalidInput):  # a second finish
        recordings.record_finished(started.recording_id, 3, "webm", io.BytesIO(b"x"))
    assert files.kept[started.recording_id] == VIDEO


def test_an_admin_deletes_a_recording_and_its_file(
    recordings: RecordingsService, files: MemoryBytes, store: QuorumStore
) -> None:
    recording = _recorded(recordings)
    recordings.delete(recording.recording_id)
    assert files.kept == {}
    deleted = _events(store, recording)[-1]
    assert isinstance(deleted, Recording.Deleted)
    assert deleted.how == MANUAL
    with pytest.raises(NotFound) as again:
        recordings.delete(recording.recording_id)
    assert again.value.problems[0].field == "recording_id"
    with pytest.raises(NotFound):
        recordings.for_admin(recording.recording_id)


def test_a_recording_still_going_cannot_be_downloaded(recordings: RecordingsService) -> None:
    started = recordings.record_started("s1", "1", "n", "joe")
    with pytest.raises(RecordingUnavailable):
        recordings.for_admin(started.recording_id)


def test_owners_download_unless_the_settings_forbid_it(
    recordings: RecordingsService, settings: SettingsService
) -> None:
    recording = _recorded(recordings, owner="jane")
    assert recordings.for_owner(recording.recording_id, "Jane") is not None
    with pytest.raises(NotFound):  # a moderator, or anyone else
        recordings.for_owner(recording.recording_id, "ann")
    settings.edit("recordings", {"forbid_owner_download": True})
    assert not recordings.owner_may_download()
    with pytest.raises(Forbidden) as forbidden:
        recordings.for_owner(recording.recording_id, "jane")
    assert forbidden.value.problems[0].field == "forbid_owner_download"
    recordings.for_admin(recording.recording_id)  # administrators still may


def test_the_recordings_settings_are_checked_per_field(settings: SettingsService) -> None:
    assert settings.get().section("recordings") == {
        "group_mode": "on_demand",
        "p2p_mode": "none",
        "forbid_owner_download": False,
        "auto_delete_days": None,
    }
    bad: Patch = {"group_mode": "some", "p2p_mode": "on_demand", "auto_delete_days": 0}
    with pytest.raises(InvalidInput) as refused:
        settings.edit("recordings", bad)
    assert {p.field for p in refused.value.problems} == set(bad)
    for days in (True, "3", 10_001, 1.5):
        with pytest.raises(InvalidInput):
            settings.edit("recordings", {"auto_delete_days": days})
    _, changes = settings.edit("recordings", {"auto_delete_days": 30, "p2p_mode": "all"})
    assert {(c["parameter"], c["previous"], c["new"]) for c in changes} == {
        ("auto_delete_days", None, 30),
        ("p2p_mode", "none", "all"),
    }
    _, changes = settings.edit("recordings", {"auto_delete_days": None})
    assert changes == [{"parameter": "auto_delete_days", "previous": 30, "new": None}]


def test_retention_deletes_what_ended_more_than_n_days_ago(
    recordings: RecordingsService, files: MemoryBytes, store: QuorumStore, clock: Clock
) -> None:
    old = _recorded(recordings)
    clock.advance(days=5)
    young = _recorded(recordings)
    ids = [old.recording_id, young.recording_id]
    clock.advance(days=5)
    assert recordings.delete_expired(clock.now, None, ids) is None  # unchecked: forever
    assert recordings.delete_expired(clock.now, 30, ids) is None
    swept = recordings.delete_expired(clock.now, 7, ids)
    assert isinstance(swept, RecordingsExpired)
    assert (swept.count, swept.recording_ids, swept.keep_days) == (1, [old.recording_id], 7)
    assert swept.before == clock.now - timedelta(days=7)
    assert list(files.kept) == [young.recording_id]
    deleted = _events(store, old)[-1]
    assert isinstance(deleted, Recording.Deleted) and deleted.how == AUTOMATIC
    assert recordings.delete_expired(clock.now, 7, ids) is None  # nothing twice


def test_a_recording_is_kept_n_days_after_it_ended(
    recordings: RecordingsService, clock: Clock
) -> None:
    started = recordings.record_started("s1", "1", "n", "joe")
    long_one = recordings.record_finished(
        started.recording_id, 2 * 24 * 3600, "mp4", io.BytesIO(VIDEO)
    )
    clock.advance(days=2)  # it ended now
    clock.advance(days=1, minutes=-1)
    assert recordings.delete_expired(clock.now, 1, [long_one.recording_id]) is None
    clock.advance(minutes=2)
    assert recordings.delete_expired(clock.now, 1, [long_one.recording_id]) is not None
