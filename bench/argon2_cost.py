"""Wharf's own password hasher with its production parameters, to time one verify alone."""

from collections.abc import Callable

from wharf.security.passwords import Passwords

PROBE = "bench-argon2-probe-4b1e"


def production_verify() -> tuple[str, Callable[[], bool]]:
    """(the hash's parameters, e.g. 'm=65536,t=3,p=4'; a call that verifies one password)."""
    passwords = Passwords()
    stored = passwords.hash(PROBE)  # $argon2id$v=19$m=65536,t=3,p=4$salt$hash
    return stored.split("$")[3], lambda: passwords.verify(stored, PROBE)
