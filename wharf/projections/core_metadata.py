"""The core metadata files served beside wheels (PEP 658): file name -> the METADATA's SHA-256.

A view of its own, added after `files`: a release adding it rebuilds it from the log alone.
"""

from functools import singledispatch

from wharf.domain.project import Project
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS file_metadata ("
    " filename TEXT PRIMARY KEY, sha256 TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS file_metadata_sha256 ON file_metadata (sha256)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Project.FileAdded, cur) -> None:
    if event.metadata_sha256:
        cur.execute("INSERT INTO file_metadata (filename, sha256) VALUES (?, ?)",
                    (event.filename, event.metadata_sha256))


@process.register
def _(event: Project.FileRemoved, cur) -> None:
    cur.execute("DELETE FROM file_metadata WHERE filename = ?", (event.filename,))


@process.register
def _(event: Project.ReleaseRemoved, cur) -> None:
    for filename in event.filenames:
        cur.execute("DELETE FROM file_metadata WHERE filename = ?", (filename,))


VIEW = View("core_metadata", SCHEMA, ["file_metadata"], process,
            topics=(Project.FileAdded.TOPIC, Project.FileRemoved.TOPIC,
                    Project.ReleaseRemoved.TOPIC))
