"""Secrets in the data dir (owner-only) and the bearer tokens signed with them."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.keystore import KeyStore
from adapters.passwords import Argon2Hasher
from adapters.tokens import SIGNING_KEY, InvalidToken, TokenIssuer


def test_the_signing_key_is_generated_once_and_readable_by_the_owner_only(tmp_path: Path) -> None:
    keystore = KeyStore(tmp_path)
    first = TokenIssuer(keystore)
    key_file = keystore.path(SIGNING_KEY)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keystore.directory.stat().st_mode) == 0o700
    token = first.issue("root", "admin", "s1", datetime.now(UTC) + timedelta(hours=1))
    assert TokenIssuer(keystore).verify(token).subject == "root"


def test_expired_and_foreign_tokens_are_refused(tmp_path: Path) -> None:
    issuer = TokenIssuer(KeyStore(tmp_path / "a"))
    expired = issuer.issue("root", "admin", "s1", datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        issuer.verify(expired)
    foreign = TokenIssuer(KeyStore(tmp_path / "b")).issue(
        "root", "admin", "s1", datetime.now(UTC) + timedelta(hours=1)
    )
    with pytest.raises(InvalidToken):
        issuer.verify(foreign)


def test_passwords_are_argon2_hashes() -> None:
    hasher = Argon2Hasher()
    hashed = hasher.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert hasher.verify(hashed, "correct horse")
    assert not hasher.verify(hashed, "wrong")
