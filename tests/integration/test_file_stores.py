"""Both file stores keep the same promises: on this host's disk, and in a real SeaweedFS through
its S3 gateway (multipart uploads for anything of one part or more)."""

import hashlib
import io
import itertools
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_uploads_storage import GeneratedStream, chunks_of
from wharf.files import collect_garbage
from wharf.uploads.s3 import CONCURRENT_PARTS, PART_BYTES, S3Files, S3Location
from wharf.uploads.storage import (
    DigestMismatch,
    FileStoreUnavailable,
    FileTooLarge,
    LocalFiles,
    Received,
)

MIB = 1024 * 1024


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFiles(tmp_path / "files")
    seaweedfs = request.getfixturevalue("seaweedfs")
    return S3Files(seaweedfs.location(f"test-{uuid.uuid4().hex[:12]}"), spool_dir=tmp_path)


def keys(store) -> list[str]:
    return sorted(stored.key for stored in store.objects())


def big(total: int) -> tuple[GeneratedStream, str]:
    expected = hashlib.sha256()
    for chunk in chunks_of(total):
        expected.update(chunk)
    return GeneratedStream(chunks_of(total)), expected.hexdigest()


def test_a_file_is_kept_under_its_sha256_and_reads_back(store):
    content = b"wharf_demo-1.0.0.tar.gz bytes"

    stored = store.put(io.BytesIO(content), sha(content), max_bytes=MIB)

    assert (stored.key, stored.size) == (sha(content), len(content))
    assert stored.blake2_256 == hashlib.blake2b(content, digest_size=32).hexdigest()
    with store.open(stored.key) as reading:
        assert reading.read() == content
    assert store.exists(stored.key) and keys(store) == [stored.key]


def test_a_file_of_several_parts_goes_up_in_parts_and_reads_back_whole(store):
    stream, digest = big(2 * PART_BYTES + 12345)

    stored = store.put(stream, digest, max_bytes=3 * PART_BYTES)

    assert stored.size == 2 * PART_BYTES + 12345
    with store.open(stored.key) as reading:
        assert hashlib.sha256(reading.read()).hexdigest() == digest


@pytest.mark.parametrize("size", [PART_BYTES, 2 * PART_BYTES + 1])
def test_a_stream_read_in_whole_parts_reads_back_whole(store, size):
    content = bytes(range(256)) * (size // 256) + b"w" * (size % 256)

    stored = store.put(io.BytesIO(content), sha(content), max_bytes=3 * PART_BYTES)

    assert (stored.size, stored.blake2_256) == (size, hashlib.blake2b(
        content, digest_size=32).hexdigest())
    with store.open(stored.key) as reading:
        assert reading.read() == content


def test_a_failed_check_keeps_nothing_even_after_several_parts(store):
    seen = []

    def refuse(received: Received) -> None:
        seen.append((received.size, received.path.stat().st_size))
        raise ValueError("refused")

    stream, digest = big(2 * PART_BYTES + 1)
    with pytest.raises(ValueError, match="refused"):
        store.put(stream, digest, max_bytes=3 * PART_BYTES, check=refuse)

    assert seen == [(2 * PART_BYTES + 1, 2 * PART_BYTES + 1)]  # the checks saw it all
    assert not store.exists(digest) and keys(store) == []


def test_bytes_that_are_not_what_their_digest_declares_are_never_kept(store):
    with pytest.raises(DigestMismatch):
        store.put(io.BytesIO(b"these bytes"), sha(b"other bytes"), max_bytes=MIB)
    stream, _ = big(PART_BYTES + 1)
    with pytest.raises(DigestMismatch):
        store.put(stream, sha(b"other bytes"), max_bytes=2 * PART_BYTES)
    assert keys(store) == []


def test_too_much_is_refused_as_soon_as_the_limit_is_passed(store):
    endless = GeneratedStream(itertools.repeat(b"x" * MIB))
    with pytest.raises(FileTooLarge):
        store.put(endless, "0" * 64, max_bytes=3 * MIB)
    assert endless.reads == 4 and keys(store) == []


def test_a_client_that_goes_away_midway_leaves_nothing(store):
    with pytest.raises(OSError, match="client went away"):
        store.put(GeneratedStream(chunks_of(3 * PART_BYTES), fail_after=20), "0" * 64,
                  max_bytes=100 * MIB)
    assert keys(store) == []


def test_the_same_bytes_twice_are_one_object(store):
    first = store.put(io.BytesIO(b"same"), sha(b"same"), max_bytes=MIB)
    assert store.put(io.BytesIO(b"same"), sha(b"same"), max_bytes=MIB) == first
    assert keys(store) == [first.key]


def test_a_key_that_is_no_digest_is_never_asked_for(store):
    for key in ["../../etc/passwd", "ab/cd", "A" * 64, ""]:
        assert not store.exists(key)
        with pytest.raises(FileNotFoundError):
            store.open(key)
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_an_upload_to_s3_streams_in_bounded_memory(seaweedfs, tmp_path):
    store = S3Files(seaweedfs.location(f"memory-{uuid.uuid4().hex[:8]}"), spool_dir=tmp_path)
    stream, digest = big(64 * MIB)
    tracemalloc.start()
    try:
        stored = store.put(stream, digest, max_bytes=100 * MIB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == 64 * MIB
    # the parts in flight (obstore holds them until sent) and the one being read, at most
    bound = (CONCURRENT_PARTS + 2) * PART_BYTES
    assert peak < bound < 64 * MIB, f"peak {peak} bytes while storing {64 * MIB}"


def test_gc_removes_only_old_objects_that_nothing_references(store):
    kept = store.put(io.BytesIO(b"referenced"), sha(b"referenced"), max_bytes=MIB)
    orphan = store.put(io.BytesIO(b"orphan"), sha(b"orphan"), max_bytes=MIB)
    later = datetime.now(UTC) + timedelta(minutes=5)

    young = collect_garbage(store, lambda key: key == kept.key, _no_mutex,
                            older_than=datetime.now(UTC) - timedelta(hours=1))
    old = collect_garbage(store, lambda key: key == kept.key, _no_mutex, older_than=later)

    assert young.removed == [] and young.kept == 2
    assert [removed.key for removed in old.removed] == [orphan.key] and old.kept == 1
    assert keys(store) == [kept.key]


def test_a_store_that_is_down_is_unavailable_not_an_error(tmp_path):
    down = S3Files(S3Location(bucket="wharf", endpoint_url="http://127.0.0.1:9",
                              access_key_id="x", secret_access_key="y", region="us-east-1",
                              timeout_seconds=1), spool_dir=tmp_path)
    with pytest.raises(FileStoreUnavailable):
        down.put(io.BytesIO(b"x"), sha(b"x"), max_bytes=MIB)
    with pytest.raises(FileStoreUnavailable):
        down.open("0" * 64)
    assert list(tmp_path.iterdir()) == []  # no spool file left behind


class _NoMutex:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _no_mutex(name: str):
    return _NoMutex()
