"""Signed checkpoints of the log's Merkle tree: C2SP tlog-checkpoint bodies in C2SP signed notes,
signed with Ed25519.

    <origin>\\n<tree size>\\n<base64 root hash>\\n\\n— <key name> <base64(key ID || signature)>\\n

The key ID is SHA-256(key name || 0x0A || 0x01 || public key)[:4]; a verifier key is written
`<name>+<key ID, 8 hex digits>+<base64(0x01 || public key)>` (golang.org/x/mod/sumdb/note).
The signing key is derived (HKDF-SHA256) from a server secret, so it is never stored.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ED25519 = b"\x01"
DASH = "\u2014"
MAX_NOTE = 64 * 1024
MAX_SIGNATURES = 16
NAME = re.compile(r"^[^\s+]+$")
SIZE = re.compile(r"^(0|[1-9][0-9]{0,18})$")


class CheckpointRefused(Exception):
    """Not a checkpoint, not signed by the key trusted, or not well formed."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


class SigningKey:
    def __init__(self, name: str, private: Ed25519PrivateKey):
        if not NAME.match(name):
            raise ValueError("a key name must be non-empty, without spaces or '+'")
        self.name, self._private = name, private
        self.public = private.public_key().public_bytes_raw()
        self.id = key_id(name, self.public)

    @classmethod
    def derived(cls, name: str, secret: bytes) -> "SigningKey":
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"wharf:log-checkpoint").derive(secret)
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def verifier_key(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"

    def signature_line(self, text: str) -> str:
        signature = self.id + self._private.sign(text.encode())
        return f"{DASH} {self.name} {base64.b64encode(signature).decode()}\n"

    def __repr__(self) -> str:
        return f"SigningKey({self.verifier_key!r})"


def sign(checkpoint: Checkpoint, keys: list[SigningKey]) -> str:
    """The signed note: one signature line per key (a retired key co-signs while witnesses
    move to the new one)."""
    text = checkpoint.text()
    return text + "\n" + "".join(key.signature_line(text) for key in keys)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        parts = text.strip().split("+", 2)  # the base64 key may hold a "+" too
        try:
            name, hex_id, encoded = parts
            raw = base64.b64decode(encoded, validate=True)
            wanted = bytes.fromhex(hex_id)
        except (ValueError, binascii.Error):
            raise CheckpointRefused("not a verifier key (name+keyid+base64 key)") from None
        if not NAME.match(name) or len(raw) != 33 or raw[:1] != ED25519:
            raise CheckpointRefused("not an Ed25519 verifier key")
        if key_id(name, raw[1:]) != wanted:
            raise CheckpointRefused("the verifier key's ID does not match its key")
        return cls(name, wanted, Ed25519PublicKey.from_public_bytes(raw[1:]))

    def open(self, note: str) -> Checkpoint:
        """The checkpoint a signed note holds, once this key's signature on it verifies."""
        text, signatures = _split(note)
        signed = False
        for name, signature in signatures:
            if name != self.name or signature[:4] != self.id:
                continue  # another key's signature: ignored, as the spec says
            try:
                self.public.verify(signature[4:], text.encode())
            except InvalidSignature:
                raise CheckpointRefused(f"the signature by {self.name} is forged") from None
            signed = True
        if not signed:
            raise CheckpointRefused(f"the checkpoint is not signed by {self.name}")
        return _body(text)


def _split(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    if len(note) > MAX_NOTE or any(c < " " and c != "\n" for c in note):
        raise CheckpointRefused("not a signed note: too long or with control characters")
    text, blank, block = note.rpartition("\n\n")
    if not blank or not block.endswith("\n"):
        raise CheckpointRefused("not a signed note: no blank line before the signatures")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointRefused(f"more than {MAX_SIGNATURES} signatures")
    return text + "\n", [_signature(line) for line in lines]


def _signature(line: str) -> tuple[str, bytes]:
    match = re.fullmatch(f"{DASH} ([^\\s+]+) ([A-Za-z0-9+/=]+)", line)
    try:
        return match[1], base64.b64decode(match[2], validate=True)
    except (TypeError, binascii.Error):  # no match, or not base64
        raise CheckpointRefused("not a signed note: a malformed signature line") from None


def _body(text: str) -> Checkpoint:
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0] or not SIZE.match(lines[1]):
        raise CheckpointRefused("not a checkpoint: origin, tree size and root hash expected")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        raise CheckpointRefused("not a checkpoint: the root hash is not base64") from None
    if len(root) != 32:
        raise CheckpointRefused("not a checkpoint: the root hash is not SHA-256")
    return Checkpoint(lines[0], int(lines[1]), root)
