"""An uploaded file's form metadata is checked against its filename, with messages for people."""

import pytest

from wharf.uploads.distributions import Distribution, UploadRefused, validate_upload

SHA256 = "5f" * 32
BLAKE2 = "0b" * 32
SDIST = "wharf_demo-1.0.0.tar.gz"
WHEEL = "wharf_demo-1.0.0-py3-none-any.whl"


def form(**changes) -> dict:
    """The fields twine 7 sends for an sdist; a change to None leaves the field out."""
    fields = {":action": "file_upload", "protocol_version": "1", "name": "Wharf.Demo",
              "version": "1.0.0", "filetype": "sdist", "pyversion": "source",
              "metadata_version": "2.4", "sha256_digest": SHA256, "blake2_256_digest": BLAKE2,
              "requires_python": ">=3.11"}
    fields.update(changes)
    return {field: value for field, value in fields.items() if value is not None}


def wheel_form(**changes) -> dict:
    return form(**{"filetype": "bdist_wheel", "pyversion": "py3", **changes})


def refusal(fields: dict, filename: str) -> str:
    with pytest.raises(UploadRefused) as refused:
        validate_upload(fields, filename)
    return refused.value.message


def test_an_sdist_upload_becomes_a_distribution():
    assert validate_upload(form(), SDIST) == Distribution(
        name="Wharf.Demo", normalized_name="wharf-demo", version="1.0.0", filename=SDIST,
        filetype="sdist", requires_python=">=3.11", sha256_digest=SHA256,
        blake2_256_digest=BLAKE2)


def test_a_wheel_upload_becomes_a_distribution():
    distribution = validate_upload(wheel_form(), WHEEL)
    assert (distribution.filetype, distribution.filename) == ("bdist_wheel", WHEEL)


def test_a_zip_sdist_is_refused_for_new_uploads():
    assert refusal(form(), "wharf_demo-1.0.0.zip") == (
        "Invalid file extension: Extension .zip is invalid for filetype sdist. Only .tar.gz"
        " sdists are accepted (PEP 625).")


def test_the_form_version_is_normalised_and_the_filename_must_spell_it_so():
    distribution = validate_upload(form(version="1.0.0-RC1"), "wharf_demo-1.0.0rc1.tar.gz")
    assert (distribution.name, distribution.version) == ("Wharf.Demo", "1.0.0rc1")


@pytest.mark.parametrize("filename", ["Wharf.Demo-1.0.0.tar.gz", "WHARF_DEMO-1.0.0.tar.gz",
                                      "wharf-demo-1.0.0.tar.gz", "wharf_demo-1.0.tar.gz",
                                      "wharf_demo-01.0.0.tar.gz"])
def test_an_sdist_is_named_exactly_as_pep_625_says(filename):
    assert refusal(form(version="1.0.0"), filename) == (
        f"Filename {filename!r} is invalid, should be 'wharf_demo-1.0.0.tar.gz'.")


@pytest.mark.parametrize("filename", ["Wharf.Demo-1.0.0-py3-none-any.whl",
                                      "WHARF_DEMO-1.0.0-py3-none-any.whl"])
def test_a_wheel_starts_with_the_normalised_name(filename):
    assert refusal(wheel_form(), filename) == (
        f"Filename {filename!r} should contain the normalized project name 'wharf_demo', not"
        f" {filename.split('-')[0]!r}.")


@pytest.mark.parametrize("platform", ["any", "manylinux_2_17_x86_64", "musllinux_1_2_aarch64",
                                      "macosx_10_9_x86_64", "macosx_11_0_arm64", "win_amd64",
                                      "manylinux2014_aarch64", "ios_13_0_arm64_iphoneos"])
def test_wheels_for_platforms_pypi_knows_are_accepted(platform):
    filename = f"wharf_demo-1.0.0-cp312-cp312-{platform}.whl"
    assert validate_upload(wheel_form(pyversion="cp312"), filename).filename == filename


@pytest.mark.parametrize("platform", ["linux_x86_64", "macosx_11_3_arm64", "manylinux_2_17_sparc",
                                      "freebsd_14_0_amd64"])
def test_wheels_for_platforms_without_an_abi_are_refused(platform):
    filename = f"wharf_demo-1.0.0-cp312-cp312-{platform}.whl"
    assert refusal(wheel_form(pyversion="cp312"), filename) == (
        f"Binary wheel {filename!r} has an unsupported platform tag {platform!r}.")


def test_optional_fields_may_be_left_out():
    fields = form(protocol_version=None, blake2_256_digest=None, requires_python=None,
                  pyversion=None)
    distribution = validate_upload(fields, SDIST)
    assert (distribution.blake2_256_digest, distribution.requires_python) == (None, None)


def test_digests_are_kept_in_lowercase():
    distribution = validate_upload(form(sha256_digest=SHA256.upper()), SDIST)
    assert distribution.sha256_digest == SHA256


def test_requires_python_is_kept_in_packagings_normal_form():
    assert validate_upload(form(requires_python=">=3.11, <4"), SDIST).requires_python == \
        "<4,>=3.11"


@pytest.mark.parametrize(("changes", "message"), [
    ({":action": None}, "Unsupported action '': only 'file_upload' is supported."),
    ({":action": "submit"}, "Unsupported action 'submit': only 'file_upload' is supported."),
    ({"protocol_version": "2"},
     "Unknown protocol version: only protocol_version '1' is supported."),
    ({"name": None}, "Invalid value for name. Error: This field is required."),
    ({"name": "-wharf"}, "Invalid value for name. Error: Project name must be letters, digits, "
                         "'.', '_' or '-', starting and ending with a letter or digit."),
    ({"version": "one"}, "Invalid value for version. Error: 'one' is not a valid PEP 440 version."),
    ({"version": "1.0.0+local"},
     "Invalid value for version. Error: Cannot use PEP 440 local versions ('1.0.0+local')."),
    ({"metadata_version": None}, "Invalid value for metadata_version. Error: This field is "
                                 "required."),
    ({"metadata_version": "9.9"},
     "Invalid value for metadata_version. Error: '9.9' is not a valid metadata version."),
    ({"filetype": "bdist_egg"},
     "Invalid value for filetype. Error: Use a known file type: 'sdist' or 'bdist_wheel'."),
    ({"pyversion": "3.11"}, "Invalid value for pyversion. Error: The only valid Python version "
                            "for a sdist is 'source'."),
    ({"sha256_digest": None}, "Invalid value for sha256_digest. Error: This field is required."),
    ({"sha256_digest": "abc123"}, "Invalid value for sha256_digest. Error: Must be a valid, "
                                  "hex encoded, SHA256 message digest."),
    ({"sha256_digest": "g" * 64}, "Invalid value for sha256_digest. Error: Must be a valid, "
                                  "hex encoded, SHA256 message digest."),
    ({"blake2_256_digest": "0b" * 31}, "Invalid value for blake2_256_digest. Error: Must be a "
                                       "valid, hex encoded, blake2 message digest."),
    ({"requires_python": ">=3.x"}, "Invalid value for requires_python. Error: '>=3.x' is not a "
                                   "valid PEP 440 version specifier."),
])
def test_wrong_form_fields_are_refused_saying_which_and_why(changes, message):
    assert refusal(form(**changes), SDIST) == message


def test_a_wheel_without_a_python_version_is_refused():
    assert refusal(wheel_form(pyversion=""), WHEEL) == (
        "Invalid value for pyversion. Error: Python version is required for binary "
        "distribution uploads.")


@pytest.mark.parametrize(("filename", "message"), [
    ("", "Upload payload does not have a file."),
    ("wharf_demo-1.0.0\n.tar.gz", "Cannot upload a file with non-printable characters "
                                  "(ordinals 0-31) or the DEL character (ordinal 127) in the "
                                  "name."),
    ("wharf_demo\x7f-1.0.0.tar.gz", "Cannot upload a file with non-printable characters "
                                    "(ordinals 0-31) or the DEL character (ordinal 127) in the "
                                    "name."),
    ("../wharf_demo-1.0.0.tar.gz", "Cannot upload a file with '/' or '\\' in the name."),
    ("dist\\wharf_demo-1.0.0.tar.gz", "Cannot upload a file with '/' or '\\' in the name."),
    ("wharf_demo- 1.0.0.tar.gz", "Cannot upload a file with ' ' in the name: use ASCII letters, "
                                 "digits, '.', '_', '-' and '!'."),
    ("wharf_demo-1.0.0.exe", "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                             "See https://peps.python.org/pep-0527/ for more information."),
    ("wharf_demo-1.0.0-py3.11.egg", "Invalid file extension: Use .tar.gz, .whl or .zip "
                                    "extension. See https://peps.python.org/pep-0527/ for more "
                                    "information."),
    ("wharf_demo-1.0.0.tar.bz2", "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                                 "See https://peps.python.org/pep-0527/ for more information."),
    ("wharf_demo-1.0.0.TAR.GZ", "Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                                "See https://peps.python.org/pep-0527/ for more information."),
    (WHEEL, "Invalid file extension: Extension .whl is invalid for filetype sdist."),
    ("wharf_demo.tar.gz", "Invalid sdist filename: 'wharf_demo.tar.gz'."),
    ("wharf_demo-one.tar.gz", "Invalid sdist filename (invalid version): "
                              "'wharf_demo-one.tar.gz'."),
    ("wharf_extra-1.0.0.tar.gz", "Start filename for 'Wharf.Demo' with 'wharf_demo'."),
    ("wharf_demo-1.0.1.tar.gz", "Version in filename should be '1.0.0' not '1.0.1'."),
])
def test_wrong_sdist_filenames_are_refused_saying_why(filename, message):
    assert refusal(form(), filename) == message


@pytest.mark.parametrize(("filename", "message"), [
    (SDIST, "Invalid file extension: Extension .tar.gz is invalid for filetype bdist_wheel."),
    ("wharf_demo-1.0.0.zip",
     "Invalid file extension: Extension .zip is invalid for filetype bdist_wheel."),
    ("wharf_demo-1.0.0-any.whl", "Invalid wheel filename (wrong number of parts): "
                                 "'wharf_demo-1.0.0-any'."),
    ("wharf-demo-1.0.0-py3-none-any.whl", "Invalid wheel filename (invalid version): "
                                          "'wharf-demo-1.0.0-py3-none-any'."),
    ("other-1.0.0-py3-none-any.whl", "Start filename for 'Wharf.Demo' with 'wharf_demo'."),
    ("wharf_demo-2.0-py3-none-any.whl", "Version in filename should be '1.0.0' not '2.0'."),
])
def test_wrong_wheel_filenames_are_refused_saying_why(filename, message):
    assert refusal(wheel_form(), filename) == message


def test_a_filename_that_only_lowercases_to_the_project_name_is_refused():
    # "\u212a" (KELVIN SIGN) lowercases to "k": canonicalize_name alone would accept it.
    assert refusal(form(name="key"), "\u212aey-1.0.0.tar.gz") == (
        "Cannot upload a file with '\u212a' in the name: use ASCII letters, digits, '.', '_', "
        "'-' and '!'.")


def test_digests_of_the_received_bytes_must_match_those_sent():
    distribution = validate_upload(form(), SDIST)
    distribution.check_digests(SHA256, BLAKE2)
    for sha256, blake2_256 in [("00" * 32, BLAKE2), (SHA256, "00" * 32)]:
        with pytest.raises(UploadRefused, match="^The digest supplied does not match a digest "
                                                "calculated from the uploaded file.$"):
            distribution.check_digests(sha256, blake2_256)


def test_without_a_blake2_digest_only_sha256_is_compared():
    validate_upload(form(blake2_256_digest=None), SDIST).check_digests(SHA256, "00" * 32)
