"""Content-addressed file storage: streamed in, hashed on the way, made visible only when checked.

A file's key is the hex SHA-256 of its bytes. The uploader declares that digest before sending
the bytes; a store keeps them under it only once they are all received, hashed, and passed the
caller's check, so stored content can never differ from its key, and storing the same bytes
twice is harmless. Two stores: `LocalFiles` (a directory) and `S3Files` (wharf/uploads/s3.py).
"""

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Callable

CHUNK_BYTES = 1024 * 1024
FILE_KEY = re.compile(r"[0-9a-f]{64}")
SPOOL_PREFIX = ".upload-"


class FileTooLarge(Exception):
    """The stream went past the size limit; nothing was stored."""

    def __init__(self, max_bytes: int, message: str | None = None):
        super().__init__(message or f"File too large. Limit is {max_bytes} bytes.")
        self.max_bytes = max_bytes


class DigestMismatch(Exception):
    """The bytes received are not those the declared SHA-256 names; nothing was stored."""

    def __init__(self):
        super().__init__("The digest supplied does not match a digest calculated from the"
                         " uploaded file.")


class FileStoreUnavailable(Exception):
    """The store could not be reached or did not answer; nothing was stored. Retry later."""


@dataclass(frozen=True)
class Received:
    """Everything a stream held, before the store keeps it: its digests, its size and a local
    copy (`path`, readable until the check returns) for the checks to open."""
    sha256: str
    blake2_256: str
    size: int
    path: Path


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    blake2_256: str


@dataclass(frozen=True)
class StoredObject:
    """One object in a store, as `wharf files gc` sees it."""
    key: str  # a SHA-256, or the name of an upload's leftover spool file
    modified: datetime
    size: int


Check = Callable[[Received], None]


class FileStore(ABC):
    """Where uploaded distribution files (and their metadata files) live, by content."""

    @abstractmethod
    def put(self, stream: BinaryIO, sha256: str, max_bytes: int,
            check: Check | None = None) -> StoredFile:
        """Store everything `stream.read` yields under `sha256`, refusing more than `max_bytes`
        and bytes of another digest; `check` sees what was received first, and whatever it
        raises stores nothing."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """The stored bytes under `key`, for reading; FileNotFoundError when there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether bytes are stored under `key`."""

    @abstractmethod
    def objects(self) -> Iterator[StoredObject]:
        """Everything in the store, referenced or not."""

    @abstractmethod
    def modified(self, key: str) -> datetime | None:
        """When the object under `key` was last written, None if there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under `key` (nothing when there is none)."""


def check_key(key: str) -> str:
    # NOTE: keys come from URLs; only a hex digest may ever become part of a path or an object
    # name.
    if not FILE_KEY.fullmatch(key):
        raise FileNotFoundError(f"no stored file has key {key!r}")
    return key


def sharded(key: str) -> str:
    """`ab/cd/abcd...`: a key's place in a store."""
    return f"{key[:2]}/{key[2:4]}/{check_key(key)}"


class Hashing:
    """Copies a stream to a spool file, hashing and counting on the way, refusing more than
    `max_bytes`; `chunks()` also yields what it copies, each chunk before it is hashed (an
    upload to the store goes on with it meanwhile): the digests are whole only once `chunks()`
    is exhausted."""

    def __init__(self, stream: BinaryIO, spool: BinaryIO, max_bytes: int,
                 too_large: Callable[[int], Exception] = FileTooLarge):
        self._stream, self._spool, self._max_bytes = stream, spool, max_bytes
        self._too_large = too_large
        self._sha256, self._blake2_256 = hashlib.sha256(), hashlib.blake2b(digest_size=32)
        self.size = 0

    def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        while chunk := self._stream.read(chunk_bytes):
            self.size += len(chunk)
            if self.size > self._max_bytes:
                raise self._too_large(self._max_bytes)
            yield chunk
            self._sha256.update(chunk)
            self._blake2_256.update(chunk)
            self._spool.write(chunk)

    def received(self, path: Path) -> Received:
        self._spool.flush()
        return Received(self._sha256.hexdigest(), self._blake2_256.hexdigest(), self.size, path)


def finish(received: Received, sha256: str, check: Check | None) -> None:
    """The last word before bytes are kept: the caller's check, then the store's own rule that
    content lives only under its own digest."""
    if check is not None:
        check(received)
    if received.sha256 != sha256:
        raise DigestMismatch()


class LocalFiles(FileStore):
    """Files under `root / sha[:2] / sha[2:4] / sha`, written through a temporary file in root."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, stream: BinaryIO, sha256: str, max_bytes: int,
            check: Check | None = None) -> StoredFile:
        check_key(sha256)
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=SPOOL_PREFIX)
        try:
            with open(descriptor, "wb") as target:
                hashing = Hashing(stream, target, max_bytes)
                for _chunk in hashing.chunks():
                    pass
                received = hashing.received(Path(temporary))
                os.fsync(target.fileno())
            finish(received, sha256, check)
            self._move_into_place(Path(temporary), sha256)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return StoredFile(sha256, received.size, received.sha256, received.blake2_256)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return FILE_KEY.fullmatch(key) is not None and self._path(key).is_file()

    def objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file() and (FILE_KEY.fullmatch(path.name)
                                   or path.name.startswith(SPOOL_PREFIX)):
                status = path.stat()
                yield StoredObject(path.name, _utc(status.st_mtime), status.st_size)

    def modified(self, key: str) -> datetime | None:
        path = self._spool(key) if key.startswith(SPOOL_PREFIX) else self._path(key)
        try:
            return _utc(path.stat().st_mtime)
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        path = self._spool(key) if key.startswith(SPOOL_PREFIX) else self._path(key)
        path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / sharded(key)

    def _spool(self, name: str) -> Path:
        if "/" in name or not name.startswith(SPOOL_PREFIX):
            raise FileNotFoundError(f"no spool file is named {name!r}")
        return self.root / name

    def _move_into_place(self, temporary: Path, key: str) -> None:
        final = self._path(key)
        if final.is_file():
            temporary.unlink()
            os.utime(final)  # written again just now: `wharf files gc` must not take it yet
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary.chmod(0o444)
        os.replace(temporary, final)
        _fsync_directory(final.parent)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
