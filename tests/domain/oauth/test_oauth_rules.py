"""OAuth rules without I/O (guide §15): permission implication, code expiry and single
use, token records, secret handling."""

from __future__ import annotations

import pytest

from domain.oauth import permissions as perms
from domain.oauth.application import OAuthApplication
from domain.oauth.codes import CodeRecord, CodeRefused, check_redeemable
from domain.oauth.oauth_service import OAuthRefused, OAuthService
from domain.shared.application import QuorumStore
from domain.shared.errors import InvalidInput
from tests.domain.clock import Clock


class PlainHasher:
    """A reversible stand-in for argon2: these tests are about who keeps what."""

    def hash(self, password: str) -> str:
        return f"hashed:{password[::-1]}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)


def test_a_general_permission_implies_its_read_and_write() -> None:
    assert perms.expand(["users"]) == {"users:read", "users:write"}
    assert perms.allows(["users"], "users:read")
    assert perms.allows(["users:read"], "users:read")
    assert not perms.allows(["users:read"], "users:write")
    assert not perms.allows(["conferences"], "conferences.participants:read")
    assert "conferences.sessions:read" in perms.PERMISSIONS
    assert "conferences.sessions" not in perms.PERMISSIONS  # read-only: no general one


def test_permissions_given_to_an_application_are_checked() -> None:
    assert perms.checked(["users:read", "groups", "users:read"]) == ["users:read", "groups"]
    with pytest.raises(InvalidInput) as unknown:
        perms.checked(["users", "root"])
    assert unknown.value.problems[0].field == "permissions"
    with pytest.raises(InvalidInput):
        perms.checked("users")


def test_a_token_request_scope_is_at_most_what_the_application_has() -> None:
    assert perms.requested(None, ["users"]) == ["users"]
    assert perms.requested("users:read", ["users"]) == ["users:read"]
    with pytest.raises(InvalidInput) as beyond:
        perms.requested("users groups:read", ["users"])
    assert beyond.value.problems[0].field == "scope"


def test_a_code_is_short_lived_single_use_and_bound_to_its_redirect_uri(clock: Clock) -> None:
    record = CodeRecord("jane", "s1", "https://app.example/cb", [], "2026-03-02T09:01:00+00:00")
    assert check_redeemable(record, "https://app.example/cb", clock.now) is record
    for given, at, reason in [
        (None, clock.now, "unknown"),
        (record, clock.now.replace(minute=1), "expired"),
    ]:
        with pytest.raises(CodeRefused) as refused:
            check_redeemable(given, "https://app.example/cb", at)
        assert refused.value.reason == reason
    with pytest.raises(CodeRefused) as other_uri:
        check_redeemable(record, "https://evil.example/cb", clock.now)
    assert other_uri.value.reason == "redirect_uri"
    record.redeemed = True
    with pytest.raises(CodeRefused) as reused:
        check_redeemable(record, "https://app.example/cb", clock.now)
    assert reused.value.reason == "reused"


def _service(store: QuorumStore) -> OAuthService:
    return OAuthService(store, PlainHasher())


def test_the_secret_is_kept_hashed_and_regeneration_refuses_the_old_one(
    store: QuorumStore, clock: Clock
) -> None:
    service = _service(store)
    app, secret = service.create(
        {"name": "CRM", "redirect_uri": "https://localhost/", "permissions": ["users"]}
    )
    assert app.secret_hash != secret and secret not in str(app.__dict__)
    assert service.authenticate_client(app.client_id, secret).client_id == app.client_id
    new = service.regenerate_secret(app.client_id)
    with pytest.raises(OAuthRefused) as old:
        service.authenticate_client(app.client_id, secret)
    assert old.value.error == "invalid_client"
    assert service.authenticate_client(app.client_id, new).name == "CRM"
    events = list(store.events.get(app.id))
    assert all(secret not in str(e.__dict__) and new not in str(e.__dict__) for e in events)


def test_revoking_a_token_revokes_the_tokens_refreshed_from_it(
    store: QuorumStore, clock: Clock
) -> None:
    service = _service(store)
    app, _ = service.create({"name": "CRM", "redirect_uri": "https://localhost/"})
    first = service.issue(app.client_id, "password", "jane", "user", [], "s1")
    refreshed = service.issue(
        app.client_id, "refresh_token", "jane", "user", [], "s1", first.token_id
    )
    assert service.check_token(app.client_id, refreshed.token_id)
    assert service.revoke(app.client_id, first.token_id) == [first.token_id, refreshed.token_id]
    with pytest.raises(OAuthRefused):
        service.check_token(app.client_id, refreshed.token_id)


def test_expired_token_records_are_dropped_when_the_next_is_issued(
    store: QuorumStore, clock: Clock
) -> None:
    service = _service(store)
    app, _ = service.create({"name": "CRM", "redirect_uri": "https://localhost/"})
    old = service.issue(app.client_id, "client_credentials", app.client_id, "server", [])
    clock.advance(hours=2)
    with pytest.raises(OAuthRefused):
        service.check_token(app.client_id, old.token_id)
    service.issue(app.client_id, "client_credentials", app.client_id, "server", [])
    assert old.token_id not in service.get(app.client_id).tokens


def test_a_reused_code_is_refused_and_revokes_its_tokens(store: QuorumStore, clock: Clock) -> None:
    service = _service(store)
    app, _ = service.create({"name": "CRM", "redirect_uri": "https://app.example/cb"})
    code = service.issue_code(app.client_id, "jane", "s1", "https://app.example/cb", ["users"])
    issued = service.redeem_code(app.client_id, code, "https://app.example/cb")
    assert issued.refresh_expires_at is not None and issued.subject == "jane"
    with pytest.raises(OAuthRefused) as reused:
        service.redeem_code(app.client_id, code, "https://app.example/cb")
    assert reused.value.error == "invalid_grant"
    assert service.get(app.client_id).tokens[issued.token_id]["revoked"]


def test_an_application_is_checked_and_its_id_never_changes(store: QuorumStore) -> None:
    service = _service(store)
    with pytest.raises(InvalidInput) as uri:
        service.create({"name": "CRM", "redirect_uri": "localhost"})
    assert uri.value.problems[0].field == "redirect_uri"
    app, _ = service.create({"name": "CRM", "redirect_uri": "https://localhost/"})
    with pytest.raises(InvalidInput) as fixed:
        service.edit(app.client_id, {"id": "mine"})  # type: ignore[typeddict-unknown-key]
    assert fixed.value.problems[0].field == "id"
    edited, changes = service.edit(app.client_id, {"name": "CRM 2"})
    assert changes == [{"parameter": "name", "previous": "CRM", "new": "CRM 2"}]
    assert isinstance(edited, OAuthApplication) and edited.client_id == app.client_id
    assert [a.name for a in service.all()] == ["CRM 2"]
    service.delete(app.client_id)
    assert service.all() == [] and service.find(app.client_id) is None
