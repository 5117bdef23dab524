"""Validation and normalisation of the names that must be unique."""

import re
import unicodedata

import email_validator
from packaging.utils import InvalidName, canonicalize_name

from wharf.domain.errors import InvalidInput

USERNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")
MAX_EMAIL = 254
MAX_PROJECT_NAME = 100
# Control, format and line-separating characters: unseen when shown, so two labels that look
# alike could differ (or differ only where the comparison strips), and a line break could forge
# a line of a mail or a page. The joiners are kept: some scripts and emoji need them.
UNSEEN = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
JOINERS = {"\u200c", "\u200d"}


def username_key(username: str) -> str:
    """The case-insensitive form under which a username is unique."""
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username must be 1-50 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        )
    return username.lower()


def normalise_email(email: str) -> tuple[str, str]:
    """Return (address as given, key under which it is unique)."""
    if len(email) > MAX_EMAIL:
        raise InvalidInput("email address is too long")
    try:
        valid = email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        raise InvalidInput(f"invalid email address: {error}") from None
    return valid.normalized, valid.normalized.casefold()


def project_key(name: str) -> str:
    """PEP 503 normalised name; refuses names PEP 508 does not allow."""
    if len(name) > MAX_PROJECT_NAME:
        raise InvalidInput("project name is too long")
    try:
        return canonicalize_name(name, validate=True)
    except InvalidName:
        raise InvalidInput(
            "project name must be letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        ) from None


def free_text(text: str, what: str, max_length: int) -> str:
    """A label or description people choose: no unseen character, no surrounding spaces,
    1 to `max_length` characters. `what` names it in the messages ("a label")."""
    if any(unicodedata.category(char) in UNSEEN and char not in JOINERS for char in text):
        raise InvalidInput(f"{what} must not contain control characters (tabs, line breaks) or"
                           f" invisible formatting characters")
    text = text.strip()
    if not 1 <= len(text) <= max_length:
        raise InvalidInput(f"{what} must be 1 to {max_length} characters")
    return text
