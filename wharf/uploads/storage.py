"""Content-addressed file storage: streamed in, hashed on the way, renamed into place atomically.

A file's key is the hex SHA-256 of its bytes, so stored content can never change under its key
and storing the same bytes twice is harmless.
"""

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

CHUNK_BYTES = 1024 * 1024
FILE_KEY = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(Exception):
    """The stream went past the size limit; nothing was stored."""

    def __init__(self, max_bytes: int):
        super().__init__(f"File too large. Limit is {max_bytes} bytes.")
        self.max_bytes = max_bytes


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    blake2_256: str


class FileStore(ABC):
    """Where uploaded distribution files live, by content."""

    @abstractmethod
    def put(self, stream: BinaryIO, max_bytes: int,
            check: Callable[[str, str], None] | None = None) -> StoredFile:
        """Store everything `stream.read` yields, refusing more than `max_bytes`; `check`
        sees the digests (sha256, blake2_256) first, and whatever it raises stores nothing."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """The stored bytes under `key`, for reading; FileNotFoundError when there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether bytes are stored under `key`."""


class LocalFiles(FileStore):
    """Files under `root / sha[:2] / sha[2:4] / sha`, written through a temporary file in root."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, stream: BinaryIO, max_bytes: int,
            check: Callable[[str, str], None] | None = None) -> StoredFile:
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with open(descriptor, "wb") as target:
                stored = _copy_hashing(stream, target, max_bytes)
                target.flush()
                os.fsync(target.fileno())
            if check is not None:
                check(stored.sha256, stored.blake2_256)
            self._move_into_place(Path(temporary), stored.key)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return stored

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return FILE_KEY.fullmatch(key) is not None and self._path(key).is_file()

    def _path(self, key: str) -> Path:
        # NOTE: keys come from URLs; only a hex digest may ever become part of a path.
        if not FILE_KEY.fullmatch(key):
            raise FileNotFoundError(f"no stored file has key {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def _move_into_place(self, temporary: Path, key: str) -> None:
        final = self._path(key)
        if final.is_file():
            temporary.unlink()
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary.chmod(0o444)
        os.replace(temporary, final)
        _fsync_directory(final.parent)


def _copy_hashing(stream: BinaryIO, target: BinaryIO, max_bytes: int) -> StoredFile:
    sha256, blake2_256, size = hashlib.sha256(), hashlib.blake2b(digest_size=32), 0
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(max_bytes)
        sha256.update(chunk)
        blake2_256.update(chunk)
        target.write(chunk)
    return StoredFile(sha256.hexdigest(), size, sha256.hexdigest(), blake2_256.hexdigest())


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
