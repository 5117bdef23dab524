"""How the pages put values into words."""

import pytest

from wharf.http.pages.words import wait


@pytest.mark.parametrize(("seconds", "said"), [
    (1, "1 second"), (40, "40 seconds"), (119, "119 seconds"), (180, "3 minutes"),
    (299, "about 5 minutes"), (86400, "24 hours"), (5000, "about 83 minutes")])
def test_a_wait_reads_as_a_person_would_say_it(seconds, said):
    assert wait(seconds) == said
