"""Where uploaded files live, chosen by configuration, and `wharf files gc`.

`WHARF_FILES_URL=s3://bucket/prefix` keeps them in an S3-compatible object store shared by
every web host; unset, they stay on this host's disk under `WHARF_DATA_DIR/files`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wharf.settings import Settings
from wharf.uploads.s3 import S3Files, S3Location
from wharf.uploads.storage import FileStore, FileStoreUnavailable, LocalFiles, StoredObject


def file_store_for(settings: Settings) -> FileStore:
    if not settings.files_url:
        return LocalFiles(settings.files_dir)
    location = S3Location.parse(settings.files_url, endpoint_url=settings.s3_endpoint_url,
                                region=settings.s3_region,
                                access_key_id=settings.s3_access_key_id,
                                secret_access_key=settings.s3_secret_access_key)
    return S3Files(location, spool_dir=settings.data_dir / "spool")


# The mutex an upload holds to record a file, and gc to remove one: never both at once. One for
# all files: recording is brief, and commands already save one at a time (the views lock).
FILES_LOCK = "files:record"


def record_while_present(store: FileStore, mutex, keys: list[str | None], record):
    """Run `record` (which saves the events naming these objects) under the files mutex, once
    they are seen to be in the store: gc, which removes under the same mutex, cannot take
    them in between. An object gone meanwhile (gc took an old orphan just as the same bytes
    came again) is answered as an outage: the client uploads again."""
    with mutex(FILES_LOCK):
        if not all(store.exists(key) for key in keys if key):
            raise FileStoreUnavailable("a stored object vanished before it was recorded")
        return record()


@dataclass(frozen=True)
class Collected:
    removed: list[StoredObject]
    kept: int  # referenced, or younger than the grace period


def collect_garbage(store: FileStore, referenced: Callable[[str], bool], mutex,
                    older_than: datetime) -> Collected:
    """Remove every object no event references that was last written before `older_than`.

    Each removal re-checks, under the files mutex, that the object is still unreferenced and
    still old: an upload of the same bytes rewrites the object (making it young) before it
    takes the mutex to record its event, so gc never removes a file an event is about to
    reference.
    """
    removed, kept = [], 0
    for stored in list(store.objects()):
        if stored.modified >= older_than:
            kept += 1
            continue
        with mutex(FILES_LOCK):
            modified = store.modified(stored.key)
            if referenced(stored.key) or modified is None or modified >= older_than:
                kept += 1
                continue
            store.delete(stored.key)
        removed.append(stored)
    return Collected(removed, kept)
