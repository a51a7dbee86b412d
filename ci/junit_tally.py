#!/usr/bin/env python3
"""junit_tally.py - the result of one ctest run, read from its JUnit report.

  junit_tally.py REPORT.xml

Prints four lines that ci/lib.sh's tally_ctest reads:

  passed N
  failed N
  failed_names NAME...
  skipped_names NAME...

A test counts as passed when CTest ran it and it passed (status "run"), as
skipped when it asked to be (SKIP_RETURN_CODE or SKIP_REGULAR_EXPRESSION) or
is disabled, and as failed otherwise: it failed, timed out, or did not run
for any other reason (a fixture it needs failed, its program is missing),
as CTest's own "tests failed" count has it. The counts come from the test
cases themselves, not from the suite's summary attributes. Exits 1 with a message
on stderr if the report is missing or is not CTest's JUnit XML.
"""
import sys
import xml.etree.ElementTree as ET


def asked_to_skip(case):
    """True if CTest did not run CASE because the test itself said skip."""
    skip = case.find("skipped")
    return (case.get("status") == "notrun" and skip is not None
            and skip.get("message", "").startswith("SKIP_"))


def main():
    if len(sys.argv) != 2:
        print("usage: junit_tally.py REPORT.xml", file=sys.stderr)
        return 2
    try:
        root = ET.parse(sys.argv[1]).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"junit_tally.py: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    if root.tag != "testsuite":
        print(f"junit_tally.py: {sys.argv[1]}: no <testsuite>", file=sys.stderr)
        return 1
    passed, failed, skipped = [], [], []
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        status = case.get("status")
        if status == "run" and case.find("failure") is None:
            passed.append(name)
        elif status == "disabled" or asked_to_skip(case):
            skipped.append(name)
        else:
            failed.append(name)
    print(f"passed {len(passed)}")
    print(f"failed {len(failed)}")
    print("failed_names " + " ".join(failed))
    print("skipped_names " + " ".join(skipped))
    return 0


sys.exit(main())
