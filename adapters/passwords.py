"""argon2id password hashing (the domain's PasswordHasher)."""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """argon2-cffi's defaults. At most one hash per core runs at a time: more only make
    every sign-in slower (docs/perf.md, bench/login.py)."""

    def __init__(self) -> None:
        self._argon2 = _Argon2()
        self._slots = threading.BoundedSemaphore(os.cpu_count() or 1)

    def hash(self, password: str) -> str:
        with self._slots:
            return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        if not isinstance(password, str):
            return False
        try:
            with self._slots:
                return bool(self._argon2.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False
