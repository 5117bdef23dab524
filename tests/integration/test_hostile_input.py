"""Hostile input for POST /legacy/ and the API token parser, fuzzed with hypothesis: the answer
is always a clear 4xx problem document (never a 5xx, never a hang), and a real token, mutated,
never authenticates.

Uploads are sent with a genuine token, so that the multipart body really is read."""

import base64
import hashlib
import string

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pymacaroons import Macaroon

from tests.conftest import DERANDOMIZE
from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel
from wharf.security.api_tokens import TokenRefused, parse

# Derandomized unless WHARF_FUZZ_SEED says otherwise (tests/conftest.py). The `api` fixture is
# shared by a test's examples: each example is refused, so none changes what the next one meets.
FUZZ = settings(max_examples=100, derandomize=DERANDOMIZE, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
MULTIPART = "multipart/form-data"
BOUNDARY = "wharf-fuzz-boundary"
URLSAFE = string.ascii_letters + string.digits + "-_"


@pytest.fixture
def token(api, clock) -> str:
    """An account-wide token of alice: verified email, TOTP, Owner of sampleproject."""
    session, _, _ = enrolled(api, clock)
    project(api, session, "sampleproject")
    return mint(api, session).json["token"]


def basic(token: str) -> str:
    return "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()


def valid_upload(token: str) -> tuple[bytes, dict]:
    """The body and headers twine would send for a good wheel."""
    filename, content = wheel()
    prepared = requests.Request("POST", "http://localhost/legacy/", data={
        ":action": "file_upload", "protocol_version": "1", "name": "sampleproject",
        "version": "1.0", "filetype": "bdist_wheel", "pyversion": "py3",
        "metadata_version": "2.1", "sha256_digest": hashlib.sha256(content).hexdigest(),
    }, files={"content": (filename, content)}, auth=("__token__", token)).prepare()
    return prepared.body, dict(prepared.headers)


def form(parts: list[tuple[bytes, bytes]], boundary: str = BOUNDARY, end: bool = True) -> bytes:
    """A multipart body of (part headers, part body) pairs, exactly as given."""
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + headers + b"\r\n\r\n" + data + b"\r\n"
                    for headers, data in parts)
    return body + (delimiter + b"--\r\n" if end else b"")


def post(api, token: str, body: bytes, content_type: str, **headers):
    return api.call("POST", "/legacy/", body=body, headers={
        "Authorization": basic(token), "Content-Type": content_type, **headers})


def assert_clear_refusal(result) -> None:
    """A 4xx problem document whose status line a real server can send (twine prints it)."""
    assert 400 <= result.status_code < 500, (result.status, result.text[:300])
    assert result.headers["Content-Type"] == "application/problem+json"
    assert result.json["status"] == result.status_code
    assert result.json["code"] and result.json["detail"]
    assert result.status.isascii() and result.status.isprintable(), result.status


# POST /legacy/: malformed multipart.

def field(name: str, value: bytes) -> tuple[bytes, bytes]:
    return f'Content-Disposition: form-data; name="{name}"'.encode(), value


CHECKED_FIELDS = ["name", "version", "filetype", "pyversion", "metadata_version",
                  "sha256_digest", "blake2_256_digest", "requires_python"]
FIELD_NAMES = st.sampled_from([":action", "protocol_version", "name", "version", "filetype",
                               "pyversion", "metadata_version", "sha256_digest",
                               "requires_python", "content", "", "x" * 300])
PART_HEADERS = st.one_of(
    st.builds(lambda name: field(name, b"")[0], FIELD_NAMES),
    st.builds(lambda name, filename: f'Content-Disposition: form-data; name="{name}";'
              f' filename="{filename}"'.encode(), FIELD_NAMES, st.text(max_size=80)),
    st.builds(lambda charset: b'Content-Disposition: form-data; name="version"\r\n'
              b"Content-Type: text/plain; charset=" + charset.encode(),
              st.sampled_from(["utf-7", "rot13", "zlib", "idna", "nope", "utf-16"])),
    st.binary(max_size=200),
)
PARTS = st.lists(st.tuples(PART_HEADERS, st.binary(max_size=300)), max_size=12)


@given(parts=PARTS, end=st.booleans())
@FUZZ
def test_malformed_parts_get_a_clear_4xx(api, token, parts, end):
    answer = post(api, token, form(parts, end=end), f"{MULTIPART}; boundary={BOUNDARY}")

    assert_clear_refusal(answer)


@given(fields=st.dictionaries(st.sampled_from(CHECKED_FIELDS), st.text(max_size=200), max_size=4),
       filename=st.text(max_size=120), content=st.binary(max_size=200))
@FUZZ
def test_uploads_with_fuzzed_fields_get_a_clear_4xx(api, token, fields, filename, content):
    answer = upload(api, token, filename, content, **fields)

    assert_clear_refusal(answer)


CONTENT_TYPES = st.one_of(
    st.just(MULTIPART),
    st.just(f"{MULTIPART}; boundary="),
    st.builds(lambda boundary: f"{MULTIPART}; boundary={boundary}",
              st.text(string.printable.strip(), min_size=1, max_size=200)),
    st.builds(lambda boundary: f'{MULTIPART}; boundary="{boundary}"', st.text(max_size=80)),
    st.builds(lambda length: f"{MULTIPART}; boundary={'b' * length}",
              st.integers(71, 100_000)),
)


@given(content_type=CONTENT_TYPES)
@FUZZ
def test_bad_boundaries_get_a_clear_4xx(api, token, content_type):
    body, _ = valid_upload(token)

    assert_clear_refusal(post(api, token, body, content_type))


@given(data=st.data())
@FUZZ
def test_truncated_bodies_get_a_clear_4xx_not_a_wait(api, token, data):
    body, headers = valid_upload(token)
    closed = body.rindex(b"--\r\n") + 2  # the form ends here; a CRLF after it is optional
    missing = data.draw(st.integers(1, closed))

    answer = post(api, token, body[:closed - missing], headers["Content-Type"],
                  **{"Content-Length": str(len(body))})

    assert_clear_refusal(answer)


@given(garbage=st.binary(max_size=4096), declared=st.integers(0, 10_000))
@FUZZ
def test_garbage_bodies_get_a_clear_4xx(api, token, garbage, declared):
    answer = post(api, token, garbage, f"{MULTIPART}; boundary={BOUNDARY}",
                  **{"Content-Length": str(max(declared, len(garbage)))})

    assert_clear_refusal(answer)


@given(size=st.integers(8 * 1024, 256 * 1024),
       where=st.sampled_from(["Content-Disposition", "User-Agent", "Authorization"]))
@FUZZ
def test_huge_header_values_get_a_clear_4xx(api, token, size, where):
    huge = "a" * size
    parts = [(f'Content-Disposition: form-data; name="content"; filename="{huge}"'.encode(),
              b"x")] if where == "Content-Disposition" else [field("name", b"x")]
    headers = {"User-Agent": huge} if where == "User-Agent" else {}
    credential = huge if where == "Authorization" else token

    answer = post(api, credential, form(parts), f"{MULTIPART}; boundary={BOUNDARY}", **headers)

    assert_clear_refusal(answer)


@given(count=st.integers(513, 3000))
@settings(FUZZ, max_examples=10)
def test_huge_field_counts_get_a_clear_4xx(api, token, count):
    parts = [field(f"f{number}", b"1") for number in range(count)]

    assert_clear_refusal(post(api, token, form(parts), f"{MULTIPART}; boundary={BOUNDARY}"))


# The token parser: garbage, near-valid, mutated and forged tokens.

def assert_never_authenticates(api, presented: str) -> None:
    """Neither the token check nor POST /legacy/ (as Bearer or Basic) takes it."""
    with pytest.raises(TokenRefused):
        api.wiring.upload_authority.identify(presented)
    if not presented.isprintable():
        return  # no header can carry it
    for header in (f"Bearer {presented}", basic(presented)):
        answer = api.call("POST", "/legacy/", headers={"Authorization": header})
        assert_clear_refusal(answer)
        assert answer.status_code == 403


GARBAGE = st.one_of(
    st.text(max_size=300),
    st.text(URLSAFE + "+/=.", max_size=300).map(lambda body: f"pypi-{body}"),
    st.binary(max_size=300).map(lambda raw: "pypi-" + base64.urlsafe_b64encode(raw).decode()),
    st.binary(max_size=300).map(lambda raw: "pypi-" + base64.b64encode(raw).decode()),
    st.binary(min_size=1, max_size=300).map(  # a V2 macaroon's first byte, then noise
        lambda raw: "pypi-" + base64.urlsafe_b64encode(b"\x02" + raw).decode().rstrip("=")),
    st.text(URLSAFE, min_size=10_000, max_size=200_000).map(lambda body: f"pypi-{body}"),
)


@given(garbage=GARBAGE)
@FUZZ
def test_garbage_tokens_are_refused_with_a_clear_403(api, garbage):
    assert_never_authenticates(api, garbage)


def mutations(token: str) -> st.SearchStrategy[str]:
    """The token with one change: a character replaced, removed or added, cut short or
    lengthened (padding too), its prefix altered, or spelled with the standard base64 alphabet."""
    index = st.integers(0, len(token) - 1)
    other = st.sampled_from(URLSAFE + "+/=.~")
    return st.one_of(
        st.builds(lambda i, char: token[:i] + char + token[i + 1:], index, other),
        st.builds(lambda i: token[:i] + token[i + 1:], index),
        st.builds(lambda i, char: token[:i] + char + token[i:], index, other),
        st.builds(lambda i: token[:i], index),
        st.builds(lambda tail: token + tail, st.text(URLSAFE + "+/=.~", min_size=1,
                                                     max_size=100_000)),
        st.sampled_from([token.replace("-", "+").replace("_", "/").replace("pypi+", "pypi-"),
                         token.upper(), "PyPI" + token[4:], "pypi_" + token[5:], token[5:]]),
    ).filter(lambda mutated: mutated != token)


def credential(token: str) -> tuple:
    macaroon = parse(token, "pypi").macaroon
    return (macaroon.identifier_bytes, macaroon.signature_bytes,
            [caveat.caveat_id_bytes for caveat in macaroon.caveats])


def same_credential(mutated: str, token: str) -> bool:
    """Whether both carry the same id, caveats and signature. A macaroon's location is a hint
    outside its signature (on PyPI too): a change to it alone leaves the credential whole."""
    try:
        return credential(mutated) == credential(token)
    except TokenRefused:
        return False


@given(data=st.data())
@FUZZ
def test_a_real_token_mutated_never_authenticates(api, token, data):
    mutated = data.draw(mutations(token))
    assume(not same_credential(mutated, token))

    assert_never_authenticates(api, mutated)
    api.wiring.upload_authority.identify(token)  # while the real one still does


@given(key=st.binary(min_size=1, max_size=64),
       caveat=st.sampled_from(['[0, 99999999999, 0]', '{"version": 1, "permissions": "user"}',
                               '[1, ["sampleproject"]]', 'not json', '[3, "someone"]']))
@FUZZ
def test_forged_tokens_with_a_real_id_are_refused(api, token, key, caveat):
    real = Macaroon.deserialize(token.partition("-")[2])
    forged = Macaroon(location=real.location, identifier=real.identifier, key=key,
                      version=real.version)
    forged.add_first_party_caveat(caveat)

    assert_never_authenticates(api, f"pypi-{forged.serialize()}")
