"""The Configuration Changes report (guide §16.4): who changed which setting, from
what to what. One row per create/edit/delete of a configured object."""

from __future__ import annotations

import json
from typing import Any

from domain.conferencing.conference import Conference
from domain.identity.group import Group
from domain.identity.user import User
from domain.licensing.pool import LicencePool
from domain.oauth.application import OAuthApplication
from domain.operations.report_deletion import CONFIG_CHANGES, ReportDeletion
from domain.settings.model import ServerSettings
from projections.duck import DuckDBProjection
from projections.engine import on
from projections.report_spec import CsvLayout, Report, dates, equals

SORTABLE = ("date", "action", "object_type", "object_id", "username")
OAUTH_APPLICATION = "oauth_application"
SECRET_MASK = "********"
"""Like a password change: the report says the secret changed, never what it is."""
KEY_SECTIONS = {
    "api_secret": "security",
    "user_auth_key": "main",
    "guest_auth_key": "main",
    "ldap_bind_password": "ldap",
}


class ConfigChangesReport(DuckDBProjection):
    name = "config_changes"
    table = "config_changes"
    columns = ("seq", "date", "action", "object_type", "object_id", "username", "changes")
    table_ddl = """
        CREATE TABLE IF NOT EXISTS config_changes (
            seq BIGINT NOT NULL,
            date TIMESTAMPTZ NOT NULL,
            action VARCHAR NOT NULL,
            object_type VARCHAR NOT NULL,
            object_id VARCHAR NOT NULL,
            username VARCHAR NOT NULL,
            changes VARCHAR NOT NULL
        )
    """

    def _row(
        self,
        seq: int,
        event: Any,
        action: str,
        object_type: str,
        object_id: str,
        changes: list[dict[str, Any]],
    ) -> None:
        username = event.actor.get("name") or "anonymous"
        self.rows.append(
            (seq, event.timestamp, action, object_type, object_id, username, json.dumps(changes))
        )

    @on(ServerSettings.Created)
    def settings_created(self, seq: int, event: Any) -> None:
        for section, values in event.sections.items():
            changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
            self._row(seq, event, "create", "server_settings", section, changes)

    @on(ServerSettings.Edited)
    def settings_edited(self, seq: int, event: Any) -> None:
        self._row(seq, event, "edit", "server_settings", event.section, event.changes)

    @on(ServerSettings.KeyRegenerated)
    def key_regenerated(self, seq: int, event: Any) -> None:
        # Only the keys' public fingerprints: a report never shows a secret.
        change = {"parameter": event.name, "previous": event.previous_key_id, "new": event.key_id}
        self._row(seq, event, "edit", "server_settings", KEY_SECTIONS[event.name], [change])

    # -- the licence (§9.1.1) and the PRO licence settings (§9.1.2) --------------------

    @on(LicencePool.TermsLoaded)
    def licence_loaded(self, seq: int, event: Any) -> None:
        self._row(seq, event, "edit", "license", "license", event.changes)

    @on(LicencePool.ProSettingsChanged)
    def pro_settings_changed(self, seq: int, event: Any) -> None:
        self._row(seq, event, "edit", "license", "license/pro", event.changes)

    # -- users and groups (Registry mode only, CFG-01) ---------------------------------

    @on(User.Created, User.Recreated)
    def user_created(self, seq: int, event: Any) -> None:
        if isinstance(event, User.Created):
            self.remember(str(event.originator_id), event.user_id)
        self.remember(f"source:{event.originator_id}", event.source)
        user_id = self._user_id(event)
        if event.source != "registry":
            return
        values = {
            "id": user_id,
            **{k: v for k, v in event.profile.items() if v is not None},
            "groups": event.group_ids,
            "status": "active" if event.is_active else "inactive",
        }
        changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
        self._row(seq, event, "create", "user", user_id, changes)

    @on(
        User.ProfileChanged,
        User.PasswordChanged,
        User.GroupsChanged,
        User.Activated,
        User.Deactivated,
        User.AppSettingsChanged,
    )
    def user_edited(self, seq: int, event: Any) -> None:
        if self.recall(f"source:{event.originator_id}") != "registry":
            return
        user_id = self._user_id(event)
        changes: list[dict[str, Any]]
        if isinstance(event, User.PasswordChanged):
            changes = [{"parameter": "password", "previous": "********", "new": "********"}]
        elif isinstance(event, User.GroupsChanged):
            changes = [{"parameter": "groups", "previous": event.previous, "new": event.new}]
        elif isinstance(event, User.Activated | User.Deactivated):
            new = "active" if isinstance(event, User.Activated) else "inactive"
            old = "inactive" if new == "active" else "active"
            changes = [{"parameter": "status", "previous": old, "new": new}]
        else:
            changes = list(event.changes)
        # The guide's sample lists the ID even when it did not change (§16.4, CFG-03).
        identity = {"parameter": "id", "previous": user_id, "new": user_id}
        self._row(seq, event, "edit", "user", user_id, [identity, *changes])

    @on(User.Deleted)
    def user_deleted(self, seq: int, event: Any) -> None:
        if self.recall(f"source:{event.originator_id}") == "registry":
            user_id = self._user_id(event)
            change = {"parameter": "id", "previous": user_id, "new": None}
            self._row(seq, event, "delete", "user", user_id, [change])

    def _user_id(self, event: Any) -> str:
        return self.recall(str(event.originator_id)) or str(event.originator_id)

    @on(Group.Created)
    def group_created(self, seq: int, event: Any) -> None:
        self.remember(str(event.originator_id), event.group_id)
        values = {"id": event.group_id, "display_name": event.display_name, "rights": event.rights}
        changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
        self._row(seq, event, "create", "group", event.group_id, changes)

    @on(Group.Edited)
    def group_edited(self, seq: int, event: Any) -> None:
        group_id = self.recall(str(event.originator_id)) or str(event.originator_id)
        identity = {"parameter": "id", "previous": group_id, "new": group_id}
        self._row(seq, event, "edit", "group", group_id, [identity, *event.changes])

    @on(Group.Deleted)
    def group_deleted(self, seq: int, event: Any) -> None:
        group_id = self.recall(str(event.originator_id)) or str(event.originator_id)
        change = {"parameter": "id", "previous": group_id, "new": None}
        self._row(seq, event, "delete", "group", group_id, [change])

    # -- conferences (§16.4: create, edit, delete with each parameter) -------------------

    @on(Conference.Created)
    def conference_created(self, seq: int, event: Any) -> None:
        self.remember(str(event.originator_id), event.cid)
        values = {"id": event.cid, **event.parameters}
        changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
        self._row(seq, event, "create", "conference", event.cid, changes)

    @on(Conference.Edited)
    def conference_edited(self, seq: int, event: Any) -> None:
        identity = {"parameter": "id", "previous": event.cid, "new": event.cid}
        self._row(seq, event, "edit", "conference", event.cid, [identity, *event.changes])

    @on(Conference.CidChanged, Conference.PinChanged)
    def conference_key_changed(self, seq: int, event: Any) -> None:
        cid = self.recall(str(event.originator_id)) or str(event.originator_id)
        parameter = "id" if isinstance(event, Conference.CidChanged) else "pin"
        if parameter == "id":
            self.remember(str(event.originator_id), event.new)
        change = {"parameter": parameter, "previous": event.previous, "new": event.new}
        self._row(seq, event, "edit", "conference", cid, [change])

    @on(Conference.Deleted)
    def conference_deleted(self, seq: int, event: Any) -> None:
        change = {"parameter": "id", "previous": event.cid, "new": None}
        self._row(seq, event, "delete", "conference", event.cid, [change])

    # -- OAuth applications (§15.3, §15.4): never the secret, only that it changed -------

    @on(OAuthApplication.Created)
    def oauth_application_created(self, seq: int, event: Any) -> None:
        client_id = event.originator_id.hex
        values = {
            "id": client_id,
            "name": event.name,
            "redirect_uri": event.redirect_uri,
            "permissions": event.permissions,
            "secret": SECRET_MASK,
        }
        changes = [{"parameter": k, "previous": None, "new": v} for k, v in values.items()]
        self._row(seq, event, "create", OAUTH_APPLICATION, client_id, changes)

    @on(OAuthApplication.Edited, OAuthApplication.SecretRegenerated, OAuthApplication.Deleted)
    def oauth_application_changed(self, seq: int, event: Any) -> None:
        client_id = event.originator_id.hex
        identity = {"parameter": "id", "previous": client_id, "new": client_id}
        if isinstance(event, OAuthApplication.Deleted):
            change = {"parameter": "id", "previous": client_id, "new": None}
            self._row(seq, event, "delete", OAUTH_APPLICATION, client_id, [change])
        elif isinstance(event, OAuthApplication.SecretRegenerated):
            secret = {"parameter": "secret", "previous": SECRET_MASK, "new": SECRET_MASK}
            self._row(seq, event, "edit", OAUTH_APPLICATION, client_id, [identity, secret])
        else:
            changes = [identity, *event.changes]
            self._row(seq, event, "edit", OAUTH_APPLICATION, client_id, changes)

    @on(OAuthApplication.TokenRevoked)
    def oauth_tokens_revoked(self, seq: int, event: Any) -> None:
        """An administrator's or the application's revocation (`reason` 'revoked'); a
        reused code's tokens are a refusal in the Events report, not a change here."""
        if event.reason != "revoked":
            return
        client_id = event.originator_id.hex
        changes = [
            {"parameter": "application", "previous": client_id, "new": client_id},
            {"parameter": "tokens", "previous": list(event.token_ids), "new": None},
        ]
        self._row(seq, event, "delete", "oauth_token", event.token_ids[0], changes)

    @on(ReportDeletion.Created)
    def rows_deleted(self, seq: int, event: Any) -> None:
        """Rows an administrator deleted by filter (RPT-04, `delete_logs`)."""
        deleted = CONFIG_CHANGES_REPORT.deletion_of(event)
        if deleted is not None:
            self.deletions_of(self.table).append(deleted)


def csv_line(r: dict[str, Any]) -> tuple[Any, ...]:
    changes = json.loads(r["changes"])
    return (
        r["date"],
        r["action"],
        r["object_type"],
        r["object_id"],
        r["username"],
        ", ".join(c["parameter"] for c in changes),
        "; ".join(
            f"{c['parameter']}: {json.dumps(c['previous'])} -> {json.dumps(c['new'])}"
            for c in changes
        ),
    )


CONFIG_CHANGES_REPORT = Report(
    name="config_changes",
    projection="config_changes",
    table="config_changes",
    columns=("date", "action", "object_type", "object_id", "username", "changes"),
    sortable=SORTABLE,
    filters=(*dates(), equals("action"), equals("object_type"), equals("username")),
    json_columns=("changes",),
    csv=CsvLayout(
        "config-changes.csv",
        ("date", "action", "object_type", "object_id", "username", "changes_in", "changes"),
        csv_line,
    ),
    deletion=CONFIG_CHANGES,
)
query = CONFIG_CHANGES_REPORT.rows
count_matching = CONFIG_CHANGES_REPORT.count
