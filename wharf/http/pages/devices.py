"""A short name for the device behind a User-Agent ("Firefox on Linux", "twine 6.1.0"), for
the pages that list sessions and history; the whole string stays in the views and exports.

Only the common browsers and systems are told apart; anything else is "Web browser" or the
client's first product token. A name is a hint for a person, never a check of anything.
"""

import re

BROWSERS = [  # most specific first: a token of the User-Agent -> the browser's name
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"),
]
SYSTEMS = [
    ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("CrOS", "ChromeOS"),
    ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
]
MAX_LENGTH = 40
PRODUCT = re.compile(r"([A-Za-z0-9._-]+)(?:/([A-Za-z0-9._+-]+))?")


def device_name(user_agent: str | None) -> str:
    if not user_agent or not user_agent.strip():
        return "Unknown device"
    if user_agent.startswith("Mozilla/"):
        return _browser(user_agent)
    return _shortened(_product(user_agent))


def _browser(user_agent: str) -> str:
    browser = next((name for token, name in BROWSERS if token in user_agent), None)
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"Web browser on {system}" if system else "Web browser")


def _product(user_agent: str) -> str:
    """The first product token, `twine/6.1.0` read as `twine 6.1.0`."""
    first = user_agent.split()[0]
    match = PRODUCT.fullmatch(first)
    if match is None:
        return first
    name, version = match.groups()
    return f"{name} {version}" if version else name


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH - 1] + "\u2026"
