"""The quotas' figures: PyPI's by default, Warehouse's spelling when configured."""

from datetime import timedelta

import pytest

from wharf.domain.quotas import Quotas, Rate
from wharf.settings import from_environ


def test_pypis_figures_by_default():
    assert from_environ({}).quotas == Quotas(
        emails_added_per_ip=Rate(2, timedelta(days=1)),
        verification_emails=Rate(3, timedelta(hours=6)),
        projects_per_account=Rate(20, timedelta(hours=1)),
        projects_per_ip=Rate(40, timedelta(hours=1)))


def test_each_figure_is_configured_as_warehouse_spells_it():
    quotas = from_environ({"WHARF_EMAIL_ADD_RATELIMIT": "10 per hour",
                           "WHARF_VERIFY_EMAIL_RATELIMIT": "5 per 12 hours",
                           "WHARF_PROJECT_CREATE_USER_RATELIMIT": "100 per day",
                           "WHARF_PROJECT_CREATE_IP_RATELIMIT": "1 per 30 seconds"}).quotas

    assert quotas == Quotas(Rate(10, timedelta(hours=1)), Rate(5, timedelta(hours=12)),
                            Rate(100, timedelta(days=1)), Rate(1, timedelta(seconds=30)))


@pytest.mark.parametrize("text", ["", "2", "two per day", "2 per week", "0 per day",
                                  "2 per 2 days", "2 per 0 hours", "-1 per day"])
def test_a_rate_that_is_no_rate_stops_the_process_from_starting(text):
    with pytest.raises(ValueError):
        Rate.parse(text)
