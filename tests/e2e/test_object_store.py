"""Two web hosts, one PostgreSQL schema, one bucket in a real SeaweedFS: files uploaded through
one host are served by the other, and an object store that stops mid-upload costs a 503 and
nothing else.

Each host has its own data directory (nothing is shared on disk); both get `WHARF_FILES_URL`
and the S3 gateway's keys. twine uploads through host A; pip and `uv pip install` install
through host B, and uv resolves from the PEP 658 metadata file (seen in B's access log).
"""

import hashlib
import io
import json
import os
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from tests.e2e.client import Api
from tests.e2e.packages import build, metadata
from tests.e2e.processes import Deployment
from tests.e2e.upload_clients import FreshVenv, maintainer, run, script, twine
from tests.seaweedfs import SeaweedFS

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def object_store(tmp_path_factory):
    """This module's own SeaweedFS: the outage test stops and restarts it."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def extra_environ(object_store) -> dict[str, str]:
    return object_store.environ(f"e2e-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def hosts(deployment, projections, postgres_url, tmp_path_factory, extra_environ):
    """Host A (the module's deployment) and host B: same schema and bucket, its own disk."""
    other = Deployment(postgres_url, deployment.environ["WHARF_DATABASE_SCHEMA"],
                       tmp_path_factory.mktemp("host-b"), extra_environ)
    try:
        a, b = deployment.start_server(workers=2), other.start_server(workers=2)
        deployment.wait_until_ready(a)
        other.wait_until_ready(b)
        yield Api(a.url), Api(b.url), other
    finally:
        other.stop()
    assert other.server_errors() == [], "host B logged an error"


@pytest.fixture(scope="module")
def uploader(hosts, mail):
    host_a, _, _ = hosts
    person = maintainer(host_a, mail, "stella")
    return person, person.mint(host_a, "object store")["token"]


def test_twine_uploads_through_one_host_and_pip_installs_through_the_other(
        hosts, uploader, deployment, tmp_path):
    host_a, host_b, _ = hosts
    _, token = uploader
    built = build(tmp_path / "dist", "stored-sample", "1.0", value="from the bucket")
    venv = FreshVenv(tmp_path / "venv")

    uploaded = twine(host_a, "__token__", token, *built.files)

    assert uploaded.returncode == 0, uploaded.output
    assert not (deployment.data_dir / "files").exists()  # nothing on host A's disk
    installed = venv.ready().pip_install(f"{host_b.url}/simple/", "stored-sample==1.0")
    assert installed.returncode == 0, installed.output
    imported = venv.value_of(built.module)
    assert imported.output == "1.0 from the bucket", imported.output
    listing = host_b.call("GET", "/simple/stored-sample/",
                          headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
    for entry in listing["files"]:
        served = host_b.http.get(f"{host_b.url}{entry['url']}", timeout=10)
        assert hashlib.sha256(served.content).hexdigest() == entry["hashes"]["sha256"]


def test_uv_resolves_from_the_core_metadata_file_served_by_the_other_host(
        hosts, uploader, tmp_path):
    host_a, host_b, other = hosts
    _, token = uploader
    built = build(tmp_path / "dist", "uv-sample", "2.0", value="resolved by metadata")
    assert twine(host_a, "__token__", token, built.wheel).returncode == 0
    uv = script("uv")
    venv = tmp_path / "uv-venv"
    assert run([uv, "venv", "--no-config", venv]).returncode == 0

    installed = run([uv, "pip", "install", "--python", venv / "bin" / "python",
                     "--index-url", f"{host_b.url}/simple/", "--cache-dir", tmp_path / "cache",
                     "uv-sample==2.0"])

    assert installed.returncode == 0, installed.output
    routes = [(line["route"], line["status"]) for line in _access_log(other)]
    assert ("/files/{sha256}/{filename}.metadata", 200) in routes, routes
    assert ("/files/{sha256}/{filename}", 200) in routes  # then the wheel, to install it


def test_the_object_store_stopping_mid_upload_costs_a_503_and_the_retry_succeeds(
        hosts, uploader, object_store, database, tmp_path):
    host_a, host_b, _ = hosts
    _, token = uploader
    filename, content = big_wheel("outage-sample", "1.0", 24 * MIB)
    body = SlowBody(*multipart(token, "outage-sample", "1.0", filename, content),
                    at=12 * MIB, then=object_store.stop)

    try:
        cut = requests.post(f"{host_a.url}/legacy/", data=body, auth=("__token__", token),
                            headers={"Content-Type": body.content_type}, timeout=60)
    finally:
        object_store.start()  # the store comes back (same data)

    assert body.fired, "the store was never stopped"
    assert cut.status_code == 503, cut.text
    assert cut.json()["code"] == "file_store_unavailable" and "Retry-After" in cut.headers
    assert database.execute("SELECT count(*) FROM release_files WHERE filename = %s",
                            (filename,)).fetchone()[0] == 0
    retried = requests.post(f"{host_a.url}/legacy/", data=SlowBody(*multipart(
        token, "outage-sample", "1.0", filename, content)), auth=("__token__", token),
        headers={"Content-Type": body.content_type}, timeout=60)
    assert retried.status_code == 200, retried.text
    served = host_b.http.get(f"{host_b.url}/files/{hashlib.sha256(content).hexdigest()}/"
                             f"{filename}", timeout=30)
    assert served.status_code == 200 and served.content == content


# -- helpers ----------------------------------------------------------------------------------

def big_wheel(name: str, version: str, size: int) -> tuple[str, bytes]:
    """A valid wheel of about `size` bytes that do not compress."""
    stem = name.replace("-", "_")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{stem}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr(f"{stem}-{version}.dist-info/METADATA", metadata(name, version))
        archive.writestr(f"{stem}/data.bin", os.urandom(size))
    return f"{stem}-{version}-py3-none-any.whl", buffer.getvalue()


BOUNDARY = "wharf-e2e-boundary"


def multipart(token: str, name: str, version: str, filename: str, content: bytes,
              ) -> tuple[bytes, bytes, bytes]:
    """The form twine sends, as (head, file, tail)."""
    fields = {":action": "file_upload", "protocol_version": "1", "name": name,
              "version": version, "filetype": "bdist_wheel", "pyversion": "py3",
              "metadata_version": "2.1", "sha256_digest": hashlib.sha256(content).hexdigest()}
    head = b"".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                    f"{value}\r\n".encode() for key, value in fields.items())
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content";'
             f' filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
    return head, content, f"\r\n--{BOUNDARY}--\r\n".encode()


class SlowBody:
    """A request body of known length, sent in blocks; `then` runs once `at` bytes are out."""

    content_type = f"multipart/form-data; boundary={BOUNDARY}"

    def __init__(self, head: bytes, content: bytes, tail: bytes, at: int | None = None,
                 then=None):
        self._data = head + content + tail
        self._sent, self._at, self._then, self.fired = 0, at, then, False

    def __len__(self) -> int:
        return len(self._data)

    def read(self, size: int = -1) -> bytes:
        if self._at is not None and self._sent >= self._at and not self.fired:
            self.fired = True
            self._then()
            time.sleep(0.2)
        size = len(self._data) if size is None or size < 0 else size
        block = self._data[self._sent:self._sent + size]
        self._sent += len(block)
        return block


def _access_log(deployment: Deployment) -> list[dict]:
    lines = []
    for log in Path(deployment.data_dir).glob("gunicorn-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "wharf.access":
                lines.append(entry)
    return lines
