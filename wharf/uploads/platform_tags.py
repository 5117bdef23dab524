"""The wheel platform tags PyPI accepts: a fixed list, and the families whose versions move on.

A tag outside these names a platform with no ABI specification behind it (`linux_x86_64` is
whatever the builder's distribution had), so no installer can tell where the wheel works.
"""

import re

FIXED = frozenset({
    "any", "win32", "win_arm64", "win_amd64", "win_ia64",
    "manylinux1_x86_64", "manylinux1_i686", "manylinux2010_x86_64", "manylinux2010_i686",
    "manylinux2014_x86_64", "manylinux2014_i686", "manylinux2014_aarch64",
    "manylinux2014_armv7l", "manylinux2014_ppc64", "manylinux2014_ppc64le",
    "manylinux2014_s390x", "linux_armv6l", "linux_armv7l",
})
MACOSX = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.*)")
MACOSX_ARCHES = frozenset({"ppc", "ppc64", "i386", "x86_64", "arm64", "intel", "fat", "fat3",
                           "fat64", "universal", "universal2"})
MACOSX_MAJORS = frozenset({"11", "12", "13", "14", "15", "26"})  # after 10, minor is always 0
LINUX = re.compile(r"(?P<libc>many|musl)linux_(\d+)_(\d+)_(?P<arch>.*)")  # PEP 600, PEP 656
MUSLLINUX_ARCHES = frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x",
                              "riscv64"})
MANYLINUX_ARCHES = MUSLLINUX_ARCHES | {"ppc64"}
IOS = re.compile(r"ios_(\d+)_(\d+)_(?P<arch>.*)_(iphoneos|iphonesimulator)")
IOS_ARCHES = frozenset({"arm64", "x86_64"})
ANDROID = re.compile(r"android_(\d+)_(?P<arch>.*)")
ANDROID_ARCHES = frozenset({"armeabi_v7a", "arm64_v8a", "x86", "x86_64"})
PYEMSCRIPTEN = re.compile(r"pyemscripten_\d+_\d+_wasm32")


def allowed_platform(tag: str) -> bool:
    if tag in FIXED:
        return True
    if match := MACOSX.fullmatch(tag):
        major, minor, arch = match.group("major", "minor", "arch")
        return arch in MACOSX_ARCHES and (major == "10" or (major in MACOSX_MAJORS
                                                            and minor == "0"))
    if match := LINUX.fullmatch(tag):
        arches = MUSLLINUX_ARCHES if match.group("libc") == "musl" else MANYLINUX_ARCHES
        return match.group("arch") in arches
    if match := IOS.fullmatch(tag):
        return match.group("arch") in IOS_ARCHES
    if match := ANDROID.fullmatch(tag):
        return match.group("arch") in ANDROID_ARCHES
    return PYEMSCRIPTEN.fullmatch(tag) is not None
