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
        return self._db.query(
            "SELECT f.filename, f.version, f.size, f.sha256, f.requires_python, f.uploaded_at"
            " FROM release_files f JOIN projects p ON p.id = f.project_id"
            " WHERE p.normalized_name = ? ORDER BY f.uploaded_at, f.filename",
            (normalized_name,))

    def by_filename(self, filename: str) -> dict | None:
        return self._db.query_one("SELECT filename, sha256, size FROM release_files"
                                  " WHERE filename = ?", (filename,))
