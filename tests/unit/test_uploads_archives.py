"""An uploaded archive must be sane and carry core metadata that agrees with the upload."""

import io
import tarfile
import zipfile

import pytest
from packaging.version import Version

from tests.e2e.packages import build, metadata
from wharf.uploads.archives import RATIO_FROM_BYTES, core_metadata
from wharf.uploads.errors import UploadRefused

WHEEL = "rel_x-1.0-py3-none-any.whl"
SDIST = "rel_x-1.0.tar.gz"


def zipped(path, members: dict, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def tarred(path, members: dict, links: dict | None = None):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return path


def wheel_members(name="rel-x", version="1.0", **extra) -> dict:
    dist_info = "rel_x-1.0.dist-info"
    return {"rel_x/__init__.py": b"", f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\n",
            f"{dist_info}/METADATA": metadata(name, version).encode(), **extra}


def refusal(path, filename) -> str:
    with pytest.raises(UploadRefused) as refused:
        core_metadata(path, filename)
    return refused.value.message


def test_the_wheel_and_sdist_the_e2e_tests_build_carry_their_metadata(tmp_path):
    built = build(tmp_path, "Rel.X", "1.0", "value")

    for path in built.files:
        found = core_metadata(path, path.name)
        assert (found.name, found.version) == ("Rel.X", Version("1.0"))
        assert found.content == metadata("Rel.X", "1.0").encode()


def test_metadata_that_names_another_project_or_version_is_refused(tmp_path):
    found = core_metadata(zipped(tmp_path / WHEEL, wheel_members(name="other", version="2.0")),
                          WHEEL)

    with pytest.raises(UploadRefused, match="name in the file's metadata .'other'. does not"):
        found.check_matches("rel-x", Version("1.0"))
    found = core_metadata(zipped(tmp_path / WHEEL, wheel_members(version="2.0")), WHEEL)
    with pytest.raises(UploadRefused, match="version in the file's metadata .'2.0'. does not"):
        found.check_matches("rel-x", Version("1.0"))
    found.check_matches("rel-x", Version("2.0.0"))  # one release, however spelt


def test_a_file_that_is_no_archive_is_refused(tmp_path):
    (tmp_path / WHEEL).write_bytes(b"PK\x03\x04 not really")
    (tmp_path / SDIST).write_bytes(b"\x1f\x8b not really")

    assert refusal(tmp_path / WHEEL, WHEEL) == "Invalid distribution file. File is not a zipfile."
    assert refusal(tmp_path / SDIST, SDIST) == ("Invalid distribution file. File is not a"
                                                " readable tar.gz file.")


def test_a_wheel_without_metadata_or_wheel_file_is_refused(tmp_path):
    members = wheel_members()
    del members["rel_x-1.0.dist-info/METADATA"]
    assert "METADATA not found at rel_x-1.0.dist-info/METADATA" in refusal(
        zipped(tmp_path / WHEEL, members), WHEEL)
    members = wheel_members()
    del members["rel_x-1.0.dist-info/WHEEL"]
    assert "WHEEL not found" in refusal(zipped(tmp_path / WHEEL, members), WHEEL)


@pytest.mark.parametrize("member", ["/etc/passwd", "../outside.py", "rel_x/../../x.py",
                                    "C:/windows.py", "..\\windows.py"])
def test_paths_that_leave_the_archive_are_refused(tmp_path, member):
    wheel = zipped(tmp_path / WHEEL, wheel_members(**{member: b"x"}))
    sdist = tarred(tmp_path / SDIST, {"rel_x-1.0/PKG-INFO": metadata("rel-x", "1.0").encode(),
                                      member: b"x"})

    assert "a path outside its directory" in refusal(wheel, WHEEL)
    assert "outside its directory" in refusal(sdist, SDIST) or "top-level" in refusal(sdist,
                                                                                       SDIST)


def test_a_zip_bomb_is_refused_by_its_announced_sizes(tmp_path):
    bomb = zipped(tmp_path / WHEEL, wheel_members(**{"rel_x/zeros.bin": bytes(RATIO_FROM_BYTES
                                                                              + 1)}))
    assert bomb.stat().st_size < RATIO_FROM_BYTES // 100
    assert refusal(bomb, WHEEL) == ("Invalid distribution file. File exceeds compression ratio"
                                    " of 50.")


def test_a_tar_bomb_is_refused_before_it_is_unpacked(tmp_path):
    bomb = tarred(tmp_path / SDIST, {"rel_x-1.0/PKG-INFO": metadata("rel-x", "1.0").encode(),
                                     "rel_x-1.0/zeros.bin": bytes(RATIO_FROM_BYTES + 1)})
    assert refusal(bomb, SDIST) == ("Invalid distribution file. File exceeds compression ratio"
                                    " of 50.")


def test_an_sdist_with_a_link_or_two_top_directories_or_no_pkg_info_is_refused(tmp_path):
    pkg_info = {"rel_x-1.0/PKG-INFO": metadata("rel-x", "1.0").encode()}
    linked = tarred(tmp_path / "a.tar.gz", pkg_info, links={"rel_x-1.0/evil": "/etc/passwd"})
    two = tarred(tmp_path / "b.tar.gz", {**pkg_info, "other/x.py": b""})
    none = tarred(tmp_path / "c.tar.gz", {"rel_x-1.0/setup.py": b""})

    assert "a link or special file" in refusal(linked, SDIST)
    assert "Incorrect number of top-level directories" in refusal(two, SDIST)
    assert "PKG-INFO not found at rel_x-1.0/PKG-INFO" in refusal(none, SDIST)


def test_a_wheel_with_an_unusual_compression_is_refused(tmp_path):
    wheel = zipped(tmp_path / WHEEL, wheel_members(), compression=zipfile.ZIP_BZIP2)
    assert "supported compression type" in refusal(wheel, WHEEL)


def test_metadata_without_name_or_version_is_refused(tmp_path):
    members = wheel_members()
    members["rel_x-1.0.dist-info/METADATA"] = b"Metadata-Version: 2.1\nSummary: nameless\n"
    assert "names no Name and Version" in refusal(zipped(tmp_path / WHEEL, members), WHEEL)


def test_an_encrypted_or_garbled_member_is_refused_not_an_error(tmp_path):
    members = wheel_members()
    wheel = zipped(tmp_path / WHEEL, members)
    data = bytearray(wheel.read_bytes())
    header = data.find(b"PK\x03\x04", data.find(b"METADATA") - 64)
    flags = data.find(b"PK\x01\x02")  # mark every member encrypted in the central directory
    while flags != -1:
        data[flags + 8] |= 1
        flags = data.find(b"PK\x01\x02", flags + 4)
    data[header + 6] |= 1
    wheel.write_bytes(bytes(data))
    assert "File is not a readable zipfile" in refusal(wheel, WHEEL)
