"""A tiny pure-Python distribution, wheel and sdist, written with the standard library only.

No build backend and no network: the wheel is a zip with the module and a `.dist-info`
(METADATA, WHEEL, RECORD with sha256 entries, PEP 427 / PEP 376), the sdist a tar.gz with
`NAME-VER/PKG-INFO`, a pyproject.toml and the module. twine reads their metadata
(`twine check --strict` passes) and pip installs the wheel.
"""

import base64
import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Built:
    name: str  # the project name as uploaded
    version: str
    module: str  # the importable module's name
    wheel: Path
    sdist: Path

    @property
    def files(self) -> list[Path]:
        return [self.wheel, self.sdist]


def metadata(name: str, version: str) -> str:
    """Core metadata 2.1 (PEP 566), with a Markdown description so `twine check --strict`
    finds nothing to warn about."""
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            f"Summary: A package Wharf's end-to-end tests upload\n"
            f"Requires-Python: >=3.9\nDescription-Content-Type: text/markdown\n\n"
            f"# {name}\n\nUploaded by the end-to-end tests.\n")


def module_source(version: str, value: str) -> str:
    return f'VERSION = "{version}"\nVALUE = "{value}"\n'


def build(directory: Path, name: str, version: str, value: str) -> Built:
    """Write `name`'s wheel and sdist of `version` into `directory`; its module defines
    `VERSION` and `VALUE`."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = canonicalize_name(name).replace("-", "_")  # PEP 427 / PEP 625 file name stem
    module = stem
    source = module_source(version, value).encode()
    return Built(name, version, module, _wheel(directory, name, version, stem, module, source),
                 _sdist(directory, name, version, stem, module, source))


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _wheel(directory: Path, name: str, version: str, stem: str, module: str,
           source: bytes) -> Path:
    dist_info = f"{stem}-{version}.dist-info"
    contents = {
        f"{module}/__init__.py": source,
        f"{dist_info}/METADATA": metadata(name, version).encode(),
        f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: wharf-e2e\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    record = [_record_line(path, data) for path, data in contents.items()]
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
    return path


def _sdist(directory: Path, name: str, version: str, stem: str, module: str,
           source: bytes) -> Path:
    top = f"{stem}-{version}"
    pyproject = (f'[build-system]\nrequires = ["setuptools>=69"]\n'
                 f'build-backend = "setuptools.build_meta"\n\n'
                 f'[project]\nname = "{name}"\nversion = "{version}"\n'
                 f'requires-python = ">=3.9"\n').encode()
    contents = {f"{top}/PKG-INFO": metadata(name, version).encode(),
                f"{top}/pyproject.toml": pyproject,
                f"{top}/{module}/__init__.py": source}
    path = directory / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in contents.items():
            info = tarfile.TarInfo(member)
            info.size, info.mode, info.mtime = len(data), 0o644, 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return path
