"""Server secrets kept in files under the data directory, readable by the owner only.

Events carry only a fingerprint of each secret; the secret itself lives here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class KeyStore:
    def __init__(self, data_dir: Path) -> None:
        self.directory = Path(data_dir) / "secrets"

    def path(self, name: str) -> Path:
        return self.directory / name

    def read(self, name: str) -> str | None:
        try:
            return self.path(name).read_text().strip()
        except FileNotFoundError:
            return None

    def write(self, name: str, value: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        temporary = self.path(f".{name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value)
        os.replace(temporary, self.path(name))

    def read_or_create(self, name: str) -> str:
        value = self.read(name)
        if value is None:
            value = new_secret()
            self.write(name, value)
        return value


def new_secret() -> str:
    return secrets.token_urlsafe(32)
