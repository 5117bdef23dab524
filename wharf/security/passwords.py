"""Password policy and hashing (argon2id via argon2-cffi).

Policy (NIST SP 800-63B): 8 to 4096 characters, no composition rules, and refuse any password
on the common-passwords list shipped by the `zxcvbn` package (30,000 passwords from leaked
password corpora), compared case-insensitively, offline.
"""

from functools import cache, cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from wharf.domain.errors import WeakPassword

MIN_LENGTH = 8
MAX_LENGTH = 4096


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_policy(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords():
        raise WeakPassword("this password is too common; choose another")
    if username and lowered == username.lower():
        raise WeakPassword("the password must not be your username")


class Passwords:
    """Hashes and verifies passwords; its dummy hash keeps failed look-ups as slow as real ones."""

    def __init__(self, hasher: PasswordHasher | None = None):
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        # Made when first needed, so processes that never verify a password (set-up, the CLI,
        # the projection process) skip a full argon2 hash; web processes make it at start-up
        # (`warm_up`), so the first unknown username costs what every later one does.
        return self._hasher.hash("wharf-dummy-password")

    def warm_up(self) -> None:
        self._dummy_hash  # noqa: B018 - computed and kept

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and (
                password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
