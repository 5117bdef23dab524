"""Names that must be unique are validated and normalised the standard way."""

import pytest

from wharf.domain.errors import InvalidInput
from wharf.domain.names import free_text, normalise_email, project_key, username_key


@pytest.mark.parametrize(("name", "key"), [
    ("Django", "django"), ("Zope.Interface", "zope-interface"), ("my__Project", "my-project"),
    ("a-_.b", "a-b"), ("A", "a")])
def test_project_names_normalise_as_pep_503(name, key):
    assert project_key(name) == key


@pytest.mark.parametrize("name", ["", "-a", "a-", ".a", "a b", "ä", "x" * 101])
def test_names_pep_508_refuses_are_refused(name):
    with pytest.raises(InvalidInput):
        project_key(name)


def test_usernames_are_case_insensitive_and_restricted():
    assert username_key("Alice.B-c_9") == "alice.b-c_9"
    for bad in ["", "-alice", "alice-", "al ice", "a" * 51, "ålice"]:
        with pytest.raises(InvalidInput):
            username_key(bad)


def test_email_uniqueness_ignores_case():
    assert normalise_email("Alice@Example.COM") == ("Alice@example.com", "alice@example.com")
    for bad in ["alice", "alice@", "@example.com", "a@b@c", "x" * 250 + "@example.com"]:
        with pytest.raises(InvalidInput):
            normalise_email(bad)


@pytest.mark.parametrize(("text", "kept"), [
    ("  Laptop  ", "Laptop"), ("Clé USB", "Clé USB"), ("\U0001f469\u200d\U0001f4bb work", None),
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", None), ("x" * 64, None)])
def test_labels_people_write_are_kept_as_written_but_for_surrounding_spaces(text, kept):
    assert free_text(text, "a label", 64) == (kept or text)


@pytest.mark.parametrize("text", ["\x1fCI", "C\tI", "CI\n", "\x7f", "\u200bCI", "\u202eCI",
                                  "\u2028", "\ue000", "\U000e0041", "   ", "x" * 65])
def test_labels_with_unseen_characters_or_no_text_are_refused(text):
    with pytest.raises(InvalidInput):
        free_text(text, "a label", 64)
