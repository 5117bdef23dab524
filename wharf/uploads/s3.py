"""Files in any S3-compatible object store (AWS S3, SeaweedFS, MinIO, Ceph...), through obstore.

An upload streams to the store while it is received: a file of one part or more goes up as a
multipart upload, part by part, and is completed only after the last byte is hashed and checked;
a check that fails (or a client that goes away) aborts it, so the object never appears. A local
spool copy, deleted at once, lets the checks open the archive. Reads stream the object back.
"""

import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from wharf.uploads.storage import (
    Check,
    FileStore,
    FileStoreUnavailable,
    Hashing,
    StoredFile,
    StoredObject,
    check_key,
    finish,
    sharded,
)

PART_BYTES = 5 * 1024 * 1024  # multipart part size: S3's minimum, so a part leaves early
CONCURRENT_PARTS = 8  # parts in flight per upload: memory stays under 10 x PART_BYTES
READ_CHUNK_BYTES = 256 * 1024


@dataclass(frozen=True)
class S3Location:
    """Where the files live and how to reach them; secrets stay out of repr()."""
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None  # None: AWS itself
    region: str | None = None
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    timeout_seconds: float = 10.0

    @classmethod
    def parse(cls, url: str, **options) -> "S3Location":
        """`s3://bucket/prefix` plus the endpoint and credentials."""
        scheme, _, rest = url.partition("://")
        bucket, _, prefix = rest.partition("/")
        if scheme != "s3" or not bucket:
            raise ValueError(f"a files URL reads s3://bucket/prefix, not {url!r}")
        return cls(bucket=bucket, prefix=prefix.strip("/"), **options)


class S3Files(FileStore):
    def __init__(self, location: S3Location, spool_dir: Path | None = None):
        self.location = location
        self._spool_dir = spool_dir
        self._store = _store(location)

    def put(self, stream: BinaryIO, sha256: str, max_bytes: int,
            check: Check | None = None) -> StoredFile:
        path = sharded(sha256)
        if self._spool_dir is not None:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self._spool_dir, prefix=".upload-") as spool:
            hashing = Hashing(stream, spool, max_bytes)
            chunks = hashing.chunks(PART_BYTES)
            first = next(chunks, b"")
            # A full first part goes up at once, before the next has come in.
            second = next(chunks, None) if len(first) < PART_BYTES else None
            if len(first) < PART_BYTES and second is None:  # the whole file: one PUT, checked
                finish(hashing.received(Path(spool.name)), sha256, check)
                self._call(obstore.put, path, first, use_multipart=False)
            else:
                rest = chain([second], chunks) if second is not None else chunks
                parts = _checked_parts(first, rest, hashing, Path(spool.name), sha256, check)
                self._call(obstore.put, path, parts, chunk_size=PART_BYTES,
                           max_concurrency=CONCURRENT_PARTS)
            received = hashing.received(Path(spool.name))
        return StoredFile(sha256, received.size, received.sha256, received.blake2_256)

    def open(self, key: str) -> BinaryIO:
        result = self._call(obstore.get, sharded(key))
        return io.BufferedReader(_ObjectReader(result.stream(min_chunk_size=READ_CHUNK_BYTES)),
                                 buffer_size=READ_CHUNK_BYTES)

    def exists(self, key: str) -> bool:
        return self.modified(key) is not None

    def modified(self, key: str) -> datetime | None:
        try:
            check_key(key)
            return self._call(obstore.head, sharded(key))["last_modified"]
        except FileNotFoundError:
            return None

    def objects(self) -> Iterator[StoredObject]:
        try:
            for batch in obstore.list(self._store):
                for meta in batch:
                    yield StoredObject(meta["path"].rsplit("/", 1)[-1], meta["last_modified"],
                                       meta["size"])
        except FileNotFoundError:
            return
        except BaseError as error:
            raise FileStoreUnavailable(type(error).__name__) from error

    def delete(self, key: str) -> None:
        try:
            self._call(obstore.delete, sharded(key))
        except FileNotFoundError:
            pass

    def _call(self, operation, *args, **kwargs):
        try:
            return operation(self._store, *args, **kwargs)
        except FileNotFoundError:
            raise
        except BaseError as error:  # the message may hold signed URLs: keep only the kind
            raise FileStoreUnavailable(type(error).__name__) from error


def _checked_parts(first: bytes, rest: Iterator[bytes], hashing: Hashing, spool: Path,
                   sha256: str, check: Check | None) -> Iterator[bytes]:
    """The upload's parts; after the last, the checks: whatever they raise aborts the
    multipart upload before it is completed."""
    yield first
    yield from rest
    finish(hashing.received(spool), sha256, check)


class _ObjectReader(io.RawIOBase):
    """A readable file over an object's stream of chunks."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._pending:
            try:
                self._pending = bytes(next(self._chunks, b""))
            except BaseError as error:
                raise FileStoreUnavailable(type(error).__name__) from error
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def _store(location: S3Location) -> S3Store:
    options = {key: value for key, value in {
        "endpoint": location.endpoint_url, "region": location.region,
        "access_key_id": location.access_key_id,
        "secret_access_key": location.secret_access_key}.items() if value}
    # No overall timeout: a download streams at its reader's pace. A store that stops
    # answering fails a read within `timeout_seconds`, a dead one the connection at once.
    timeout = timedelta(seconds=location.timeout_seconds)
    http = (location.endpoint_url or "").startswith("http://")
    return S3Store(location.bucket, prefix=location.prefix or None,
                   client_options={"allow_http": http, "connect_timeout": timedelta(seconds=2),
                                   "read_timeout": timeout},
                   retry_config={"max_retries": 2, "retry_timeout": timeout,
                                 "backoff": {"init_backoff": timedelta(milliseconds=100),
                                             "max_backoff": timedelta(seconds=1), "base": 2}},
                   **options)
