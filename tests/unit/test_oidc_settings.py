"""Trusted issuers are configuration: GitHub's and GitLab.com's always, more by
WHARF_OIDC_ISSUERS, read strictly (a typo must stop the process, not silently trust, or
distrust, an issuer)."""

import pytest

from wharf.settings import from_environ

GITHUB = "https://token.actions.githubusercontent.com"
GITLAB = "https://gitlab.com"


def test_github_and_gitlab_are_trusted_by_default_and_the_audience_is_wharf():
    settings = from_environ({})

    assert settings.oidc_issuers == (GITHUB, GITLAB)
    assert settings.oidc_audience == "wharf"


def test_more_issuers_are_added_in_order():
    settings = from_environ({"WHARF_OIDC_ISSUERS": " https://gitlab.example.org ,"
                                                   "https://127.0.0.1:8443/oidc",
                             "WHARF_OIDC_AUDIENCE": "testwharf"})

    assert settings.oidc_issuers == (GITHUB, GITLAB, "https://gitlab.example.org",
                                     "https://127.0.0.1:8443/oidc")
    assert settings.oidc_audience == "testwharf"


@pytest.mark.parametrize("value", [
    "http://issuer.example", "issuer.example", "https://issuer.example/",
    "https://issuer.example?x=1", "https://issuer.example#x", "https://user@issuer.example",
    "https://a.example,https://a.example", GITHUB, GITLAB,
    "https://a.example,,https://b.example",
    "https://", "https://a.example\x00"])
def test_anything_but_distinct_https_issuer_urls_stops_the_process(value):
    with pytest.raises(ValueError, match="WHARF_OIDC_ISSUERS"):
        from_environ({"WHARF_OIDC_ISSUERS": value})
