"""The composition root: everything a Quorum process needs, built once, in dependency
order, each part given its collaborators in its constructor (cosmicpython's bootstrap).

The API, the CLI and the tests build a `QuorumSystem` on a NATS URL and a data dir.
Reactions across contexts are not wired here one by one: the bus is built with the
table of `domain/reactions.py`, and the services that publish are given the bus.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from adapters.conference_jobs import ConferenceJobs
from adapters.config import Config
from adapters.directory_sync import DirectorySyncer
from adapters.file_store import FileStore
from adapters.jetstream.recorders import JetStreamApplicationRecorder
from adapters.keystore import KeyStore
from adapters.licence_jobs import LicenceRedistribution
from adapters.passwords import Argon2Hasher
from adapters.pushes import NatsPushes
from adapters.rate_limit import TokenRequestLimits
from adapters.recording_jobs import RecordingRetention
from adapters.report_client import NatsReports
from adapters.ring_timers import RingTimers
from adapters.server_secrets import ServerSecrets
from adapters.tokens import TokenIssuer
from adapters.user_directory import LdapUserDirectory
from domain.admins.admins_service import AdminService
from domain.admins.model import AdminAccount
from domain.conferencing.conference import Conference
from domain.conferencing.conferences_service import ConferencesService
from domain.conferencing.runs import ConferenceRuns
from domain.conferencing.templates_service import TemplatesService
from domain.identity.aliases_service import AliasesService
from domain.identity.group import Group
from domain.identity.groups_service import GroupsService
from domain.identity.sign_in_service import SignInService
from domain.identity.storage import DirectoryLink
from domain.identity.storage_service import UserStorageService
from domain.identity.user import User
from domain.identity.users_service import UsersService
from domain.licensing.licensing_service import Licences, LicensingService
from domain.licensing.pool import LicencePool
from domain.messaging.chat_files_service import ChatFilesService
from domain.messaging.messaging_service import MessagingService
from domain.oauth.application import OAuthApplication
from domain.oauth.oauth_service import OAuthService
from domain.operations.report_deletion_service import ReportDeletions
from domain.reactions import reactions
from domain.recordings.recordings_service import RecordingsService
from domain.sessions.attendance import Attendance
from domain.sessions.lifecycle import SessionRecords
from domain.sessions.sessions_service import SessionsService
from domain.settings.model import ServerSettings
from domain.settings.settings_service import SettingsService
from domain.shared.actor import SYSTEM, acting_as
from domain.shared.application import QuorumStore
from domain.shared.bus import MessageBus
from domain.signaling.calls_service import CallsService, RingTimeout
from domain.signaling.endpoints_service import EndpointsService
from projections import conferences as conferences_view
from projections import directory
from projections.admins_directory import AdminsDirectory
from projections.call_history import CallHistoryReport
from projections.chat_files import ChatFilesReport
from projections.chat_messages import ChatMessagesReport
from projections.conferences import ConferencesView
from projections.config_changes import ConfigChangesReport
from projections.directory import Directory
from projections.duck import ReportsDatabase
from projections.endpoints_report import EndpointsReport
from projections.engine import (
    Projection,
    catch_up_together,
    runners_of,
    start_following,
)
from projections.events_report import EventsReport
from projections.recordings_report import RecordingsReport
from projections.report_counts import ReportCounts
from projections.report_reads import REPORTS, LocalReports, ReportReads
from projections.sql import make_engine

SNAPSHOT_EVERY = 50
AGGREGATE_CACHE_SIZE = 10_000


class SnapshottingStore(QuorumStore):
    """Long-lived aggregates (a user signs in every day) load from a snapshot plus the
    events after it, instead of their whole history."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        User: SNAPSHOT_EVERY,
        AdminAccount: SNAPSHOT_EVERY,
        ServerSettings: SNAPSHOT_EVERY,
        Conference: SNAPSHOT_EVERY,
        Group: SNAPSHOT_EVERY,
        DirectoryLink: SNAPSHOT_EVERY,
        LicencePool: SNAPSHOT_EVERY,
        OAuthApplication: SNAPSHOT_EVERY,
    }


def event_store(nats_url: str) -> SnapshottingStore:
    """The application on the JetStream event store (a server, a CLI, a report replica)."""
    return SnapshottingStore(
        env={
            "PERSISTENCE_MODULE": "adapters.jetstream",
            "QUORUM_NATS_URL": nats_url,
            # Cached aggregates are brought up to date with the events after their
            # version (one cheap read), not rebuilt (settings are read per request).
            "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
    )


def report_projections(reports: ReportsDatabase) -> list[Projection]:
    """The DuckDB reports: in `quorum serve` (QUORUM_REPORTS=local) or in each report
    replica (`quorum projector --reports`)."""
    return [
        ConfigChangesReport(reports),
        EventsReport(reports),
        EndpointsReport(reports),
        CallHistoryReport(reports),
        ChatMessagesReport(reports),
        ChatFilesReport(reports),
        RecordingsReport(reports),
    ]


class QuorumSystem:
    def __init__(self, config: Config, nats_url: str, *, with_reports: bool = True) -> None:
        self.config = config
        self.started_at = datetime.now(UTC)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = event_store(nats_url)
        self.keystore = KeyStore(config.data_dir)
        self.tokens = TokenIssuer(self.keystore)
        hasher = Argon2Hasher()
        self.hasher = hasher
        self.sql_engine = engine = make_engine(config.database_url)
        self.admins_directory = AdminsDirectory(engine)
        self.directory = Directory(engine)
        self.conferences_view = ConferencesView(engine)

        self.settings = SettingsService(self.store)
        self.secrets = ServerSecrets(self.settings, self.keystore)
        self.admins = AdminService(self.store, hasher)
        self.groups = GroupsService(self.store, self.settings)
        self.users = UsersService(self.store, hasher, self.settings, self.groups)
        self.aliases = AliasesService(self.store)
        self.storage = UserStorageService(
            self.store, self.settings, self.users, self.groups, self.user_directory
        )
        self.sign_in = SignInService(
            self.store, hasher, self.settings, self.groups, self.users, self.storage
        )
        self.oauth = OAuthService(self.store, hasher)
        self.token_limits = TokenRequestLimits()
        self.directory_sync = DirectorySyncer(self.storage, self._sync_interval)

        licences = Licences(self.store)
        self.endpoints = EndpointsService(self.store, licences)
        self.pushes = NatsPushes(self.recorder.client)
        self.ring_timers = RingTimers(
            lambda: config.call_ring_seconds, RingTimeout(self.store, self.pushes).miss_if_ringing
        )
        self.calls = CallsService(
            self.store, self.users, self.groups, self.endpoints, self.pushes, self.ring_timers
        )
        self.file_store = FileStore(self.recorder.client)
        self.files = ChatFilesService(
            self.store, self.users, self.groups, self.file_store, config.max_file_mb * 1024 * 1024
        )
        self.messaging = MessagingService(self.store, self.users, self.files)
        self.recording_files = FileStore(
            self.recorder.client, "QUORUM_RECORDINGS", "Quorum conference recordings (§16.5)"
        )
        self.recordings = RecordingsService(self.store, self.recording_files, self.settings)

        # The reactions' handlers publish nothing themselves, so they are built before
        # the bus, and the services that publish after it.
        runs = ConferenceRuns(self.store, SessionRecords(self.store))
        attendance = Attendance(self.store, licences, self.endpoints, self.pushes, runs)
        self.bus = MessageBus(reactions(attendance))
        users = self.users
        self.conferences = ConferencesService(
            self.store,
            user_exists=lambda user_id: users.find(user_id) is not None,
            public_conferences_allowed=lambda: licences.enabled("public_conferences"),
            extension_enabled=licences.enabled,
            runs=runs,
            publish=self.bus.handle,
        )
        self.templates = TemplatesService(self.store, self.conferences)
        self.sessions = SessionsService(
            self.store,
            self.conferences,
            self.users,
            self.groups,
            self.endpoints,
            self.pushes,
            licences,
            attendance,
            self.bus.handle,
        )
        groups = self.groups
        self.licensing = LicensingService(
            self.store,
            members_in_order=lambda group_ids: directory.members_in_order(
                engine, group_ids, users.source()
            ),
            group_exists=lambda group_id: groups.find(group_id) is not None,
            participations=attendance.participations,
            publish=self.bus.handle,
        )

        projections: list[Projection] = [
            self.admins_directory,
            self.directory,
            self.conferences_view,
        ]
        # DuckDB allows one writing process per file: the server opens the reports, unless
        # report replicas own them (QUORUM_REPORTS=nats); then report reads go over NATS.
        self.reports: ReportsDatabase | None = None
        if with_reports and config.reports == "local":
            self.reports = ReportsDatabase(config.reports_path)
        self.conference_jobs = ConferenceJobs(
            self.conferences,
            self.settings,
            candidates=lambda: [r.shown_cid for r in conferences_view.scheduled(engine)],
            all_cids=lambda: [r.shown_cid for r in conferences_view.all_conferences(engine)],
        )
        self.licence_jobs = LicenceRedistribution(self.licensing)
        # One follower (one read per look) for the SQL views, one for the reports, whose
        # batches are one DuckDB transaction.
        self.runners = runners_of(self.recorder, self.store.mapper, projections)
        if self.reports is not None:
            reports = report_projections(self.reports)
            self.runners |= runners_of(self.recorder, self.store.mapper, reports, self.reports)
        self.report_reads = self._report_reads()
        """Every report read and count goes through this (projections/report_reads.py)."""
        self.recording_jobs = RecordingRetention(self.recordings, self.report_reads)
        counts, head = ReportCounts(self.report_reads), self.recorder.max_notification_id
        self.report_deletions = ReportDeletions(counts, lambda: head() or 0, self.store.save)
        self._stop_listening: Callable[[], None] | None = None

    @property
    def recorder(self) -> JetStreamApplicationRecorder:
        return cast(JetStreamApplicationRecorder, self.store.recorder)

    def _report_reads(self) -> ReportReads:
        def head() -> int:
            return self.recorder.max_notification_id() or 0

        if self.reports is not None:
            return LocalReports(self.reports, self.runners, head)
        return NatsReports(self.recorder.client, head)

    def _sync_interval(self) -> float:
        minutes: int = self.settings.get().section("ldap")["sync_interval_minutes"]
        return minutes * 60.0

    def user_directory(self) -> LdapUserDirectory:
        """The directory as the `ldap` settings describe it now."""
        return LdapUserDirectory.from_settings(self.settings.get().section("ldap"), self.keystore)

    def prepare(self) -> None:
        """What a first start creates: settings, server secrets, the built-in groups."""
        self.secrets.ensure()
        with acting_as(SYSTEM):
            self.groups.ensure_builtins()
        self.file_store.ensure()  # the chat files' bucket, next to the event streams
        self.recording_files.ensure()

    def start_licence_jobs(self) -> None:
        """Distribute permanent PRO licences as a start does, then every 24 hours;
        the group members come from the directory, so it is brought up to date first."""
        self.fresh("directory", timeout=30)
        self.licence_jobs.at_start()
        self.licence_jobs.start()

    def fresh(self, projection: str, timeout: float = 5.0) -> bool:
        """Wait until `projection` has applied everything stored before this call."""
        if projection not in self.runners and projection in REPORTS and self.reports is None:
            return True  # report replicas wait in each call (projections/report_reads.py)
        head = self.recorder.max_notification_id() or 0
        return self.runners[projection].wait_until_applied(head, timeout)

    def start_projections(self) -> None:
        self._stop_listening = start_following(self.recorder, self.runners.values())

    def catch_up(self) -> None:
        catch_up_together(list(self.runners.values()))

    def close(self) -> None:
        self.directory_sync.stop()
        self.conference_jobs.stop()
        self.licence_jobs.stop()
        self.recording_jobs.stop()
        self.ring_timers.stop()
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        for runner in self.runners.values():
            runner.stop()
        for runner in self.runners.values():
            runner.projection.close()
        if self.reports is not None:
            self.reports.close()
        self.sql_engine.dispose()
        self.store.close()
