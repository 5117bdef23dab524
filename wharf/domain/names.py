"""Validation and normalisation of the names that must be unique."""

import re

import email_validator
from packaging.utils import InvalidName, canonicalize_name

from wharf.domain.errors import InvalidInput

USERNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")
MAX_EMAIL = 254
MAX_PROJECT_NAME = 100


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
