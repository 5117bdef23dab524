"""A witness (`wharf audit witness URL --state FILE`): run anywhere but beside Wharf's database,
it keeps the last checkpoint the log showed it and accepts a new one only when it is signed by
the pinned key and a consistency proof shows that it extends the kept one. A log rewritten or
forked by someone who can write the database (and rebuild the tree) then fails at every witness.

It speaks HTTP to the log only (GET /api/log/key, /api/log/checkpoint, /api/log/proof/
consistency) and needs nothing of Wharf's configuration.
"""

import base64
import binascii
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from wharf.security import merkle
from wharf.security.checkpoints import Checkpoint, CheckpointRefused, VerifierKey

MAX_ANSWER = 1024 * 1024
TIMEOUT = 10  # seconds


class Unreachable(Exception):
    """The log could not be asked, or the state could not be read: nothing was decided."""


class Refused(Exception):
    """The log showed something a faithful log never shows: a forged, forked or rewritten
    checkpoint."""


def fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - a URL given
            body = answer.read(MAX_ANSWER + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Unreachable(f"cannot fetch {url}: {error}") from None
    if len(body) > MAX_ANSWER:
        raise Unreachable(f"{url} answered more than {MAX_ANSWER} bytes")
    return body


def witness(log_url: str, state_path: Path, key: str | None = None, get=fetch) -> list[str]:
    """Check the log's checkpoint now against the state, keep it; what happened, line by line.
    Raises Refused (the log misbehaved) or Unreachable (nothing could be checked)."""
    base, said = log_url.rstrip("/"), []
    state = _load(state_path)
    pinned = key or state.get("key")
    published = get(f"{base}/api/log/key").decode(errors="replace").strip()
    if pinned is None:
        pinned = published
        said.append(f"pinned the log's key on first use: {pinned} (compare it with the one the"
                    f" operator announced)")
    elif key and state.get("key") not in (None, key):
        said.append(f"pinned the key given instead of {state['key']}")
    elif published != pinned:
        said.append(f"the log now publishes the key {published}; still trusting {pinned}")
    verifier = _verifier(pinned)
    note = get(f"{base}/api/log/checkpoint").decode(errors="replace")
    try:
        new = verifier.open(note)
    except CheckpointRefused as error:
        raise Refused(f"the checkpoint is refused: {error}") from None
    kept = _kept(state, verifier)
    if kept is not None:
        said.append(_extends(base, kept, new, get))
    _save(state_path, {"log": base, "key": pinned, "checkpoint": note})
    said.append(f"kept the checkpoint of {new.size} entries, root"
                f" {base64.b64encode(new.root).decode()}")
    return said


def _extends(base: str, kept: Checkpoint, new: Checkpoint, get) -> str:
    if new.origin != kept.origin:
        raise Refused(f"the checkpoint is of another log ({new.origin!r}, kept {kept.origin!r})")
    if new.size < kept.size:
        raise Refused(f"the log shrank from {kept.size} to {new.size} entries: it was rewritten")
    path = []
    if kept.size not in (0, new.size):
        answer = _json(get(f"{base}/api/log/proof/consistency?from={kept.size}&to={new.size}"))
        try:
            path = [base64.b64decode(h, validate=True) for h in answer["hashes"]]
        except (KeyError, TypeError, binascii.Error):
            raise Refused("the consistency proof is malformed") from None
    try:
        merkle.verify_consistency(kept.size, new.size, kept.root, new.root, path)
    except merkle.ProofFailed as error:
        raise Refused(f"the checkpoint of {new.size} entries does not extend the one of"
                      f" {kept.size} kept: {error}") from None
    if new.size == kept.size:
        return f"the log has {new.size} entries, as before"
    return f"the log grew from {kept.size} to {new.size} entries, and only grew"


def _verifier(text: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text)
    except CheckpointRefused as error:
        raise Unreachable(f"the key to trust is unusable: {error}") from None


def _kept(state: dict, verifier: VerifierKey) -> Checkpoint | None:
    """The checkpoint kept before. It was verified then; a key pinned since may not have
    signed it, so it is read under the key that did when this one did not."""
    note = state.get("checkpoint")
    if note is None:
        return None
    for key in (verifier, _verifier(state["key"])):
        try:
            return key.open(note)
        except CheckpointRefused:
            continue
    raise Unreachable("the state file's checkpoint is not signed by its key: was it edited?")


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        raise Unreachable("the log answered something that is not JSON") from None


def _load(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise Unreachable(f"cannot read the state file {path}: {error}") from None
    if not isinstance(state, dict):
        raise Unreachable(f"the state file {path} is not a witness's")
    return state


def _save(path: Path, state: dict) -> None:
    """Written whole or not at all: a crash never leaves half a state."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(partial, path)
