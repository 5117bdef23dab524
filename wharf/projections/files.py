"""Released files by project: what the simple index lists and the file downloads serve."""

from functools import singledispatch

from wharf.domain.project import Project
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS release_files ("
    " filename TEXT PRIMARY KEY, project_id TEXT NOT NULL, version TEXT NOT NULL,"
    " packagetype TEXT NOT NULL, size BIGINT NOT NULL, sha256 TEXT NOT NULL,"
    " blake2_256 TEXT NOT NULL, requires_python TEXT, uploaded_at TEXT NOT NULL,"
    " token_id TEXT)",
    "CREATE INDEX IF NOT EXISTS release_files_project ON release_files (project_id)",
    "CREATE INDEX IF NOT EXISTS release_files_sha256 ON release_files (sha256)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Project.FileAdded, cur) -> None:
    cur.execute("INSERT INTO release_files (filename, project_id, version, packagetype, size,"
                " sha256, blake2_256, requires_python, uploaded_at, token_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.filename, str(event.originator_id), event.version, event.packagetype,
                 event.size, event.sha256, event.blake2_256, event.requires_python,
                 stamp(event.timestamp), str(event.token_id) if event.token_id else None))


VIEW = View("files", SCHEMA, ["release_files"], process)


class Files:
    def __init__(self, db: Database):
        self._db = db

    def project_names(self) -> list[dict]:
        return self._db.query("SELECT name, normalized_name FROM projects"
                              " WHERE EXISTS (SELECT 1 FROM release_files f"
                              " WHERE f.project_id = projects.id) ORDER BY normalized_name")

    def of_project(self, normalized_name: str) -> list[dict]:
        """The project's files, with the SHA-256 of a wheel's core metadata file (the
        core_metadata view's) when there is one."""
        return self._db.query(
            "SELECT f.filename, f.version, f.size, f.sha256, f.requires_python, f.uploaded_at,"
            " m.sha256 AS metadata_sha256"
            " FROM release_files f JOIN projects p ON p.id = f.project_id"
            " LEFT JOIN file_metadata m ON m.filename = f.filename"
            " WHERE p.normalized_name = ? ORDER BY f.uploaded_at, f.filename",
            (normalized_name,))

    def fingerprint(self, normalized_name: str) -> tuple | None:
        """What changes whenever the project's listing does, computed by the store alone; None
        when it has no files. NOTE: release_files only grows (rows are never changed or
        removed); a change that alters or removes rows (yanks, deletions) must show here too."""
        row = self._db.query_one(
            "SELECT count(*) AS files, max(f.uploaded_at) AS newest,"
            " count(m.filename) AS metadata"
            " FROM release_files f JOIN projects p ON p.id = f.project_id"
            " LEFT JOIN file_metadata m ON m.filename = f.filename"
            " WHERE p.normalized_name = ?", (normalized_name,))
        return (row["files"], row["newest"], row["metadata"]) if row and row["files"] else None

    def by_filename(self, filename: str) -> dict | None:
        return self._db.query_one(
            "SELECT f.filename, f.sha256, f.size, m.sha256 AS metadata_sha256"
            " FROM release_files f LEFT JOIN file_metadata m ON m.filename = f.filename"
            " WHERE f.filename = ?", (filename,))

    def references(self, key: str) -> bool:
        """Whether any recorded file, or core metadata file, is stored under `key`."""
        return self._db.query_one(
            "SELECT 1 AS found FROM release_files WHERE sha256 = ?"
            " UNION ALL SELECT 1 FROM file_metadata WHERE sha256 = ?", (key, key)) is not None
