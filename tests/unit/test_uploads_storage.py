"""Uploaded files are streamed to disk under their SHA-256, hashed on the way, never half-stored."""

import hashlib
import io
import itertools
import tracemalloc
from collections.abc import Iterator

import pytest

from wharf.uploads.storage import (
    DigestMismatch,
    FileStore,
    FileTooLarge,
    LocalFiles,
    Received,
    StoredFile,
)

MIB = 1024 * 1024


class GeneratedStream:
    """A readable stream over a generator of chunks, as a multipart part streams its file."""

    def __init__(self, chunks: Iterator[bytes], fail_after: int | None = None):
        self.chunks, self.fail_after, self.reads = chunks, fail_after, 0

    def read(self, size: int = -1) -> bytes:
        if self.reads == self.fail_after:
            raise OSError("client went away")
        self.reads += 1
        chunk = next(self.chunks, b"")
        assert len(chunk) <= size
        return chunk


def chunks_of(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield bytes([start // size % 256]) * min(size, total - start)


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def everything_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_local_files_is_a_file_store(tmp_path):
    assert isinstance(LocalFiles(tmp_path), FileStore)


def test_a_file_is_stored_under_its_sha256_with_both_digests_and_its_size(tmp_path):
    content = b"wharf_demo-1.0.0.tar.gz bytes"
    sha256 = hashlib.sha256(content).hexdigest()
    stored = LocalFiles(tmp_path).put(io.BytesIO(content), sha256, max_bytes=MIB)
    assert stored == StoredFile(key=sha256, size=len(content), sha256=sha256,
                                blake2_256=hashlib.blake2b(content, digest_size=32).hexdigest())
    assert everything_under(tmp_path) == [f"{sha256[:2]}/{sha256[2:4]}/{sha256}"]


def test_a_stored_file_reads_back_and_is_read_only(tmp_path):
    files = LocalFiles(tmp_path)
    stored = files.put(io.BytesIO(b"content"), sha(b"content"), max_bytes=MIB)
    with files.open(stored.key) as stored_file:
        assert stored_file.read() == b"content"
    assert files.exists(stored.key)
    path = tmp_path / stored.key[:2] / stored.key[2:4] / stored.key
    assert path.stat().st_mode & 0o777 == 0o444


def test_storing_the_same_content_twice_is_harmless(tmp_path):
    files = LocalFiles(tmp_path)
    first = files.put(io.BytesIO(b"same"), sha(b"same"), max_bytes=MIB)
    assert files.put(io.BytesIO(b"same"), sha(b"same"), max_bytes=MIB) == first
    assert everything_under(tmp_path) == [f"{first.key[:2]}/{first.key[2:4]}/{first.key}"]


def test_bytes_of_another_digest_than_the_declared_one_are_never_stored(tmp_path):
    with pytest.raises(DigestMismatch):
        LocalFiles(tmp_path).put(io.BytesIO(b"these bytes"), sha(b"other bytes"), max_bytes=MIB)
    assert everything_under(tmp_path) == []


def test_a_file_of_exactly_the_limit_is_stored(tmp_path):
    assert LocalFiles(tmp_path).put(io.BytesIO(b"x" * 10), sha(b"x" * 10), max_bytes=10).size == 10


def test_a_file_over_the_limit_is_refused_and_leaves_nothing_behind(tmp_path):
    with pytest.raises(FileTooLarge, match="^File too large. Limit is 10 bytes.$"):
        LocalFiles(tmp_path).put(io.BytesIO(b"x" * 11), sha(b"x" * 11), max_bytes=10)
    assert everything_under(tmp_path) == []


def test_a_failed_digest_check_stores_nothing(tmp_path):
    def refuse(received: Received) -> None:
        assert received.sha256 == sha(b"payload") and received.path.read_bytes() == b"payload"
        raise ValueError("the digest supplied does not match")

    with pytest.raises(ValueError, match="does not match"):
        LocalFiles(tmp_path).put(io.BytesIO(b"payload"), sha(b"payload"), max_bytes=100,
                                 check=refuse)
    assert everything_under(tmp_path) == []


def test_the_limit_stops_an_endless_stream_as_soon_as_it_is_passed(tmp_path):
    endless = GeneratedStream(itertools.repeat(b"x" * MIB))
    with pytest.raises(FileTooLarge):
        LocalFiles(tmp_path).put(endless, "0" * 64, max_bytes=3 * MIB)
    assert endless.reads == 4
    assert everything_under(tmp_path) == []


def test_a_stream_that_fails_midway_leaves_nothing_behind(tmp_path):
    with pytest.raises(OSError, match="client went away"):
        LocalFiles(tmp_path).put(GeneratedStream(chunks_of(10 * MIB), fail_after=5),
                                 "0" * 64, max_bytes=100 * MIB)
    assert everything_under(tmp_path) == []


def test_a_50_mb_upload_is_streamed_in_constant_memory(tmp_path):
    total = 50 * 1000 * 1000
    expected = hashlib.sha256()
    for chunk in chunks_of(total):
        expected.update(chunk)
    tracemalloc.start()
    try:
        stored = LocalFiles(tmp_path).put(GeneratedStream(chunks_of(total)),
                                          expected.hexdigest(), max_bytes=60 * MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (stored.size, stored.sha256) == (total, expected.hexdigest())
    assert peak < 2 * MIB, f"peak {peak} bytes while storing {total}"


@pytest.mark.parametrize("key", ["../../etc/passwd", "ab/cd", "A" * 64, "0" * 63, ""])
def test_keys_that_are_not_sha256_digests_never_reach_the_filesystem(tmp_path, key):
    files = LocalFiles(tmp_path)
    assert not files.exists(key)
    with pytest.raises(FileNotFoundError):
        files.open(key)


def test_opening_a_key_with_nothing_stored_is_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        LocalFiles(tmp_path).open("0" * 64)
