"""Released files by project: what the simple index lists and the file downloads serve, with
the releases yanked (PEP 592); a removed file or release leaves them."""

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
    "CREATE TABLE IF NOT EXISTS release_yanks ("
    " project_id TEXT NOT NULL, version TEXT NOT NULL, reason TEXT NOT NULL,"
    " PRIMARY KEY (project_id, version))",
    # How often a project's listing changed (a file added or removed, a release yanked,
    # unyanked or removed): its fingerprint, read in one row. Counts from before new files
    # counted here are lower, never wrong: any change still moves the count.
    "CREATE TABLE IF NOT EXISTS listing_changes ("
    " project_id TEXT PRIMARY KEY, changes BIGINT NOT NULL)",
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
    _changed(cur, event)


@process.register
def _(event: Project.ReleaseYanked, cur) -> None:
    cur.execute("INSERT INTO release_yanks (project_id, version, reason) VALUES (?, ?, ?)",
                (str(event.originator_id), event.version, event.reason))
    _changed(cur, event)


@process.register
def _(event: Project.ReleaseUnyanked, cur) -> None:
    cur.execute("DELETE FROM release_yanks WHERE project_id = ? AND version = ?",
                (str(event.originator_id), event.version))
    _changed(cur, event)


@process.register
def _(event: Project.ReleaseRemoved, cur) -> None:
    for table in ("release_files", "release_yanks"):
        cur.execute(f"DELETE FROM {table} WHERE project_id = ? AND version = ?",
                    (str(event.originator_id), event.version))
    _changed(cur, event)


@process.register
def _(event: Project.FileRemoved, cur) -> None:
    cur.execute("DELETE FROM release_files WHERE filename = ?", (event.filename,))
    _changed(cur, event)


def _changed(cur, event) -> None:
    cur.execute("INSERT INTO listing_changes (project_id, changes) VALUES (?, 1)"
                " ON CONFLICT (project_id) DO UPDATE SET changes = listing_changes.changes + 1",
                (str(event.originator_id),))


VIEW = View("files", SCHEMA, ["release_files", "release_yanks", "listing_changes"], process)


class Files:
    def __init__(self, db: Database):
        self._db = db

    def project_names(self) -> list[dict]:
        return self._db.query("SELECT name, normalized_name FROM projects"
                              " WHERE EXISTS (SELECT 1 FROM release_files f"
                              " WHERE f.project_id = projects.id) ORDER BY normalized_name")

    def of_project(self, normalized_name: str) -> list[dict]:
        """The project's files, with the SHA-256 of a wheel's core metadata file (the
        core_metadata view's) when there is one, and the reason its release was yanked."""
        return self._db.query(
            "SELECT f.filename, f.version, f.size, f.sha256, f.requires_python, f.uploaded_at,"
            " m.sha256 AS metadata_sha256, y.reason AS yanked_reason"
            " FROM release_files f JOIN projects p ON p.id = f.project_id"
            " LEFT JOIN file_metadata m ON m.filename = f.filename"
            " LEFT JOIN release_yanks y ON y.project_id = f.project_id AND y.version = f.version"
            " WHERE p.normalized_name = ? ORDER BY f.uploaded_at, f.filename",
            (normalized_name,))

    def releases(self, normalized_name: str) -> list[dict]:
        """The project's releases in upload order, each with its files and the reason it was
        yanked (None: not yanked)."""
        releases: dict[str, dict] = {}
        for row in self.of_project(normalized_name):
            release = releases.setdefault(row["version"], {
                "version": row["version"], "yanked_reason": row["yanked_reason"], "files": []})
            release["files"].append(row["filename"])
        return list(releases.values())

    def fingerprint(self, normalized_name: str) -> tuple | None:
        """What changes whenever the project's listing does, read from one row whatever the
        number of files; None when it has no files. NOTE: every change of the listing must
        count in listing_changes. A rebuild or reset of any view moves the generation; while
        the core_metadata view is behind the files view (reset, not caught up yet) its
        position is part of the fingerprint, so a page rendered meanwhile is not kept after."""
        row = self._db.query_one(
            "SELECT EXISTS (SELECT 1 FROM release_files f WHERE f.project_id = p.id) AS listed,"
            " c.changes, (SELECT generation FROM projection_generation) AS generation,"
            " (SELECT m.position FROM projection_tracking m, projection_tracking f"
            "  WHERE m.name = 'core_metadata' AND f.name = 'files' AND m.position < f.position)"
            " AS metadata_behind"
            " FROM projects p LEFT JOIN listing_changes c ON c.project_id = p.id"
            " WHERE p.normalized_name = ?", (normalized_name,))
        return ((row["changes"], row["generation"], row["metadata_behind"])
                if row and row["listed"] else None)

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
