"""A yanked release as the real installers see it, through real gunicorn on PostgreSQL: pip and
uv skip it unless it is pinned (`==`), and choose it again once it is un-yanked; a removed
release is gone for them even when pinned."""

import pytest

from tests.e2e.packages import build
from tests.e2e.upload_clients import FreshVenv, maintainer, run, script, twine

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-yank"
RELEASES = "/api/projects/wharf-e2e-yank/releases"


@pytest.fixture(scope="module")
def published(web, mail, tmp_path_factory):
    """alice's wharf-e2e-yank 1.0 and 1.1 (wheel and sdist each), uploaded with twine."""
    alice = maintainer(web, mail, "yanker")
    token = alice.mint(web, "yank test")["token"]
    root = tmp_path_factory.mktemp("yank")
    built = {version: build(root / version, NAME, version, value=f"release {version}")
             for version in ("1.0", "1.1", "1.2")}
    for release in built.values():
        uploaded = twine(web, "__token__", token, *release.files)
        assert uploaded.returncode == 0, uploaded.output
    removed = web.call("POST", f"{RELEASES}/1.2/remove", alice.session,
                       json={"confirm": "1.2", "reason": "built from the wrong branch"})
    assert removed.status_code == 204, removed.text
    return alice, built


def pip_installs(venv: FreshVenv, index: str, requirement: str) -> str:
    """The version pip installs for `requirement` (uninstalling what was there first)."""
    run([venv.path / "bin" / "python", "-m", "pip", "uninstall", "-y", NAME])
    installed = venv.pip_install(index, requirement)
    if installed.returncode != 0:
        return f"nothing: {installed.output}"
    return run([venv.path / "bin" / "python", "-m", "pip", "show", NAME]).output.split(
        "Version: ")[1].split()[0]


def uv_resolves(web, requirement: str, directory) -> str:
    """What `uv pip compile` resolves `requirement` to: its output names `NAME==VERSION`."""
    requirements = directory / "requirements.in"
    requirements.write_text(requirement + "\n")
    return run([script("uv"), "pip", "compile", "--no-header", "--no-annotate", "--no-cache",
                "--index-url", f"{web.url}/simple/", requirements]).output


def test_pip_and_uv_skip_a_yanked_release_unless_it_is_pinned(web, published, tmp_path):
    alice, built = published
    venv = FreshVenv(tmp_path / "venv").ready()
    index = f"{web.url}/simple/"
    try:
        assert pip_installs(venv, index, NAME) == "1.1"

        yanked = web.call("POST", f"{RELEASES}/1.1/yank", alice.session,
                          json={"reason": "breaks on Windows"})
        assert yanked.status_code == 204, yanked.text

        assert pip_installs(venv, index, NAME) == "1.0"
        assert pip_installs(venv, index, f"{NAME}==1.1") == "1.1"  # pinned: still there
        assert f"{NAME}==1.0" in uv_resolves(web, NAME, tmp_path)
        assert f"{NAME}==1.1" in uv_resolves(web, f"{NAME}==1.1", tmp_path)
        assert "nothing" in pip_installs(venv, index, f"{NAME}==1.2")  # removed: gone

        unyanked = web.call("POST", f"{RELEASES}/1.1/unyank", alice.session,
                            json={"reason": "fixed in the docs"})
        assert unyanked.status_code == 204, unyanked.text
        assert pip_installs(venv, index, NAME) == "1.1"
        assert f"{NAME}==1.1" in uv_resolves(web, NAME, tmp_path)
    finally:
        venv.close()
