"""Password requirements (guide §13.10.1), checked on create, on change by an admin
and on change by the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.shared.errors import FieldProblem, InvalidInput

SPECIAL_CHARACTERS = "`^'?!*@#%$&+._=~,;:()[]<>{}/\\"


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    require_mixed_case: bool = True
    require_digits: bool = True
    require_special: bool = False

    @staticmethod
    def from_settings(values: dict[str, Any]) -> PasswordPolicy:
        return PasswordPolicy(
            min_length=values["min_length"],
            require_mixed_case=values["require_mixed_case"],
            require_digits=values["require_digits"],
            require_special=values["require_special"],
        )

    def unmet(self, password: str) -> list[str]:
        """The requirements `password` misses, in words an admin or user understands."""
        missing = []
        if len(password) < self.min_length:
            missing.append(f"at least {self.min_length} characters")
        if self.require_mixed_case and not (
            any(c.isupper() for c in password) and any(c.islower() for c in password)
        ):
            missing.append("upper and lower case letters")
        if self.require_digits and not any(c.isdigit() for c in password):
            missing.append("a digit")
        if self.require_special and not any(c in SPECIAL_CHARACTERS for c in password):
            missing.append(f"a special character ({SPECIAL_CHARACTERS})")
        return missing

    def check(self, password: object, field: str = "password") -> str:
        if not isinstance(password, str) or not password:
            raise InvalidInput.of([FieldProblem(field, "required", "a password is required")])
        missing = self.unmet(password)
        if missing:
            message = "The password does not meet the requirements: needs " + ", ".join(missing)
            raise InvalidInput.of([FieldProblem(field, "policyViolation", message)])
        return password
