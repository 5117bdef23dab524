"""Short device names from User-Agent strings, as the session list and history pages show."""

import pytest

from wharf.http.pages.devices import device_name

CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                " Chrome/126.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("user_agent", "name"), [
    (CHROME_LINUX, "Chrome on Linux"),
    (CHROME_LINUX.replace("Chrome/", "HeadlessChrome/"), "Chrome on Linux"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UQ1A.240205.004; wv) AppleWebKit/537.36"
     " (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122 Mobile Safari/537.36",
     "Chrome on Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
     " Gecko) CriOS/126.0.6478.153 Mobile/15E148 Safari/604.1", "Chrome on iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
     " Version/17.5 Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
     "Firefox on Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", "Edge on Windows"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko)"
     " Chrome/126.0.0.0 Safari/537.36", "Chrome on ChromeOS"),
    ("Mozilla/5.0 (Test) Firefox/140.0", "Firefox"),
    ("twine/6.1.0 CPython/3.12.3", "twine 6.1.0"),
    ("uv/0.5.1", "uv 0.5.1"),
    ("curl/8.5.0", "curl 8.5.0"),
    ("pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\"}", "pip 24.0"),
    ("python-requests/2.32.3", "python-requests 2.32.3"),
    ("Mozilla/5.0 (compatible; SomethingNew/1.0)", "Web browser"),
    ("", "Unknown device"),
    (None, "Unknown device"),
    ("x" * 300, "x" * 39 + "\u2026"),
])
def test_a_user_agent_gets_a_short_name(user_agent, name):
    assert device_name(user_agent) == name

