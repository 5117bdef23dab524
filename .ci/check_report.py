"""Read pytest's JUnit report and fail unless the PostgreSQL half and the end-to-end tests ran.

Counted are the cases that were EXECUTED (a case with a <skipped> element was not), with no
failure or error anywhere in the report: a PostgreSQL-parametrised case (`[postgres]`,
`[postgres-...]`, `[...-postgres]` in its id) and an end-to-end case other than the browser
harness's self-checks, which need neither PostgreSQL nor gunicorn. Any such case skipped fails
the check too: with WHARF_REQUIRE_POSTGRES=1 none may be.

    python3 .ci/check_report.py test-artifacts/junit.xml
"""

import re
import sys
import xml.etree.ElementTree as ET

POSTGRES_ID = re.compile(r"[\[-]postgres[\]-]")
E2E, HARNESS = "tests.e2e.", "tests.e2e.test_browser_harness"


def main(path: str) -> int:
    cases = list(ET.parse(path).getroot().iter("testcase"))
    broken = [case for case in cases if case.find("failure") is not None
              or case.find("error") is not None]
    postgres = [case for case in cases if POSTGRES_ID.search(case.get("name", ""))]
    e2e = [case for case in cases if case.get("classname", "").startswith(E2E)
           and not case.get("classname").startswith(HARNESS)]
    problems = [f"{name(case)} failed" for case in broken]
    for label, group in (("PostgreSQL-parametrised", postgres), ("end-to-end", e2e)):
        ran = [case for case in group if case.find("skipped") is None]
        print(f"{label} cases executed: {len(ran)} of {len(group)}")
        problems += [f"{name(case)} was skipped ({label})" for case in group if case not in ran]
        if not ran:
            problems.append(f"no {label} case was executed")
    print(f"all cases: {len(cases)}, failed: {len(broken)}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def name(case) -> str:
    return f"{case.get('classname')}::{case.get('name')}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
