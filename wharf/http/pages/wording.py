"""What a page says when something is refused: the API's problems in the pages' words.

The JSON API keeps its problem documents as clients read them (codes, details that name its
routes, "TOTP"); a page looks its message up here, by the kind of error or its code, and
otherwise shows the API's detail as a sentence. Every page message comes through `said`.
"""

from wharf.domain import errors

NEW_CODE = "enter the newest 6-digit code your authenticator app shows"
TICKET = "This log-in has expired or was already used: log in again."
SAID = [  # most specific first: (a kind of error, or a code) -> what a page says
    (errors.FreshPasswordRequired, "New recovery codes need your password confirmed in the"
                                   " last 5 minutes: confirm it again, then try again."),
    (errors.ReauthenticationRequired, "Confirm your password first, then try again."),
    (errors.TotpNotStarted, "This set-up has ended: start setting up the authenticator app"
                            " again from your account settings."),
    (errors.TotpNotEnabled, "You have no authenticator app to remove."),
    (errors.TicketRefused, TICKET),
    ("invalid_ticket", TICKET),
    ("invalid_totp", f"That code is not right: {NEW_CODE}."),
    ("out_of_sync", "That code is not valid now: check that your phone sets its clock"
                    f" automatically, then {NEW_CODE}."),
    ("totp_replayed", "That code was already used: wait for the next one your authenticator"
                      " app shows."),
    ("invalid_recovery_code", "That recovery code is not right: check it and try again."),
    ("burned_recovery_code", "That recovery code was already used: each works once, so use"
                             " another."),
    ("cross_site_request", "This form came from another site or from an out-of-date page, so"
                           " nothing was changed. Reload the page and try again."),
    ("csrf_token_invalid", "This form has expired or did not come from this site, so nothing"
                           " was changed. Reload the page and try again."),
]


def said(error: Exception, detail: str) -> str:
    """The page's message for an error whose API detail is `detail`."""
    code = getattr(error, "code", None)
    for kind, text in SAID:
        if kind == code or (isinstance(kind, type) and isinstance(error, kind)):
            return text
    return sentence(detail)


def sentence(text: str) -> str:
    """`the password is not correct` as a page shows it: The password is not correct."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def by_code(**overrides: str) -> dict[str, str]:
    """The messages a page script finds by the code of the API's problem (it sees no classes:
    a kind of error counts by a code of its own); `overrides` for what a code means there."""
    found: dict[str, str] = {}
    for kind, text in SAID:
        code = kind if isinstance(kind, str) else kind.__dict__.get("code")
        if code:
            found.setdefault(code, text)
    return {**found, **overrides}


# What the security-key script says, on the settings page and on the second log-in step (where
# an invalid token can only be the log-in ticket).
SCRIPT_SAID = {"account": by_code(), "login": by_code(invalid_token=TICKET)}
