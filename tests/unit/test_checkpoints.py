"""Checkpoints as C2SP signed notes: read and verified by code Wharf did not write (the text
parsed in tests/transparency.py, the signature by `cryptography`'s Ed25519), and refused by
Wharf's verifier (the witness's) when forged, unsigned or malformed."""

import base64
import hashlib

import pytest

from tests.transparency import open_note
from wharf.security.checkpoints import (
    Checkpoint,
    CheckpointRefused,
    SigningKey,
    VerifierKey,
    sign,
)

ROOT = hashlib.sha256(b"root").digest()
CHECKPOINT = Checkpoint("wharf.example/log", 20852163, ROOT)


def key(secret: bytes = b"server secret") -> SigningKey:
    return SigningKey.derived("wharf.example/log", secret)


def test_a_checkpoint_is_a_c2sp_signed_note_verified_by_ed25519():
    note = sign(CHECKPOINT, [key()])

    assert note.startswith("wharf.example/log\n20852163\n"
                           f"{base64.b64encode(ROOT).decode()}\n\n\u2014 wharf.example/log ")
    assert open_note(note, key().verifier_key) == ("wharf.example/log", 20852163, ROOT)
    assert VerifierKey.parse(key().verifier_key).open(note) == CHECKPOINT


def test_the_key_is_derived_from_the_secret_and_named_as_the_spec_says():
    verifier = key().verifier_key
    name, key_id, encoded = verifier.split("+", 2)
    public = base64.b64decode(encoded)[1:]

    assert key().verifier_key == verifier and key(b"other").verifier_key != verifier
    assert key_id == hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex()
    assert "secret" not in repr(key()) and repr(key()).endswith(f"{verifier!r})")


def test_a_retired_key_co_signs_and_either_verifies():
    note = sign(CHECKPOINT, [key(b"new"), key(b"old")])

    assert open_note(note, key(b"new").verifier_key)[1] == 20852163
    assert open_note(note, key(b"old").verifier_key)[1] == 20852163
    assert VerifierKey.parse(key(b"old").verifier_key).open(note) == CHECKPOINT


def test_another_keys_checkpoint_is_refused():
    with pytest.raises(CheckpointRefused, match="not signed by wharf.example/log"):
        VerifierKey.parse(key().verifier_key).open(sign(CHECKPOINT, [key(b"intruder")]))


@pytest.mark.parametrize("edit", [
    lambda note: note.replace("20852163", "20852164"),
    lambda note: note.replace(base64.b64encode(ROOT).decode(),
                              base64.b64encode(bytes(32)).decode()),
    lambda note: note.replace("wharf.example/log\n", "wharf.example/log\nextension\n", 1),
])
def test_an_edited_checkpoint_is_refused_as_forged(edit):
    with pytest.raises(CheckpointRefused, match="forged"):
        VerifierKey.parse(key().verifier_key).open(edit(sign(CHECKPOINT, [key()])))


@pytest.mark.parametrize("note", [
    "", "wharf.example/log\n1\n", "no blank line\n\u2014 a AAAA\n",
    "wharf.example/log\n01\n" + base64.b64encode(ROOT).decode() + "\n\n",
    "x\n1\nAAAA\n\n\u2014 wharf.example/log not-base64!\n",
    "x\x00\n1\nAAAA\n\n\u2014 a AAAA\n", "a" * 70_000,
])
def test_malformed_notes_are_refused(note):
    with pytest.raises(CheckpointRefused):
        VerifierKey.parse(key().verifier_key).open(note)


@pytest.mark.parametrize("text", ["", "a+b", "name+00000000+AAAA",
                                  key().verifier_key.replace("+", "+0", 1)])
def test_malformed_verifier_keys_are_refused(text):
    with pytest.raises(CheckpointRefused):
        VerifierKey.parse(text)


def test_a_body_signed_but_not_a_checkpoint_is_refused():
    signer = key()
    text = "wharf.example/log\nmany\nAAAA\n"
    with pytest.raises(CheckpointRefused, match="not a checkpoint"):
        VerifierKey.parse(signer.verifier_key).open(text + "\n" + signer.signature_line(text))
