"""Checks of Wharf's Merkle tree and checkpoints by code Wharf did not write.

- pymerkle (PyPI, an RFC 9162 tree): leaf hashes, roots at every size, inclusion paths and
  their verification. Its consistency paths follow a layout of its own (not RFC 9162's), so
- consistency proofs are checked against RFC 6962 section 2.1.2's recursive definition and
  verified with RFC 9162 section 2.1.4.2's algorithm, both transcribed here from the RFCs'
  pseudo-code, with nothing shared with wharf/security/merkle.py;
- signed notes are parsed here from the C2SP text and their signatures verified with
  `cryptography`'s Ed25519.
"""

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pymerkle import InmemoryTree, verify_inclusion
from pymerkle.proof import InclusionProof


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def pymerkle_tree(entries: list[bytes]) -> InmemoryTree:
    tree = InmemoryTree(algorithm="sha256")  # security on: 0x00 leaves, 0x01 nodes
    for entry in entries:
        tree.append_entry(entry)
    return tree


def pymerkle_verifies_inclusion(tree: InmemoryTree, index: int, size: int, leaf: bytes,
                                path: list[bytes], root: bytes) -> bool:
    """pymerkle's path is the leaf followed by RFC 9162's; its rule comes from pymerkle."""
    rule = tree.prove_inclusion(index + 1, size).rule  # pymerkle counts leaves from one
    proof = InclusionProof("sha256", True, size, index + 1, rule, [leaf, *path])
    try:
        verify_inclusion(leaf, root, proof)
    except Exception:  # noqa: BLE001 - pymerkle's InvalidProof and its input errors alike
        return False
    return True


# RFC 6962, section 2.1: MTH, and 2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true).

def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def rfc_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]  # leaves here are already leaf hashes: MTH({d}) = SHA-256(0x00 || d)
    k = _k(len(leaves))
    return sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:]))


def rfc_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [rfc_mth(leaves)]
    k = _k(n)
    if m <= k:
        return rfc_subproof(m, leaves[:k], b) + [rfc_mth(leaves[k:])]
    return rfc_subproof(m - k, leaves[k:], False) + [rfc_mth(leaves[:k])]


def rfc_consistency(m: int, leaves: list[bytes]) -> list[bytes]:
    return rfc_subproof(m, leaves, True)


# RFC 9162, section 2.1.4.2, step by step.

def rfc9162_consistent(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       path: list[bytes]) -> bool:
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = sha256(b"\x01" + c + fr)
            sr = sha256(b"\x01" + c + sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sha256(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# C2SP signed-note and tlog-checkpoint, read from their text.

def open_note(note: str, verifier_key: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint whose signature by the key verifies; else raises."""
    name, key_id_hex, encoded = verifier_key.strip().split("+", 2)  # base64 may hold a +
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01 and len(raw) == 33, "an Ed25519 verifier key"
    public = raw[1:]
    key_id = sha256(name.encode() + b"\n" + b"\x01" + public)[:4]
    assert key_id.hex() == key_id_hex
    text, _, block = note.rpartition("\n\n")
    text += "\n"
    verified = 0
    for line in block.splitlines():
        dash, signer, signature = line.split(" ")
        assert dash == "\u2014"
        signature = base64.b64decode(signature)
        if signer == name and signature[:4] == key_id:
            Ed25519PublicKey.from_public_bytes(public).verify(signature[4:], text.encode())
            verified += 1
    assert verified == 1, "exactly one signature by the key"
    origin, size, root = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root)
