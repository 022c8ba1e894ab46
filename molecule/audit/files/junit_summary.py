# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print a JUnit XML file as JSON: per suite its counts, checked against its testcases.

Usage: python3 junit_summary.py FILE. Exits non-zero when the file is not well-formed or a suite's
counts do not match the testcases it holds (what a CI server would trip over).
"""
import json
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
if root.tag != "testsuites":
    sys.exit("root element is %s, not testsuites" % root.tag)
summary = {}
for suite in root.findall("testsuite"):
    cases = suite.findall("testcase")
    counted = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    for key, value in counted.items():
        if int(suite.get(key)) != value:
            sys.exit("suite %s says %s=%s but holds %d" % (suite.get("name"), key, suite.get(key), value))
    counted["failing"] = sorted(c.get("name") for c in cases if c.find("failure") is not None)
    summary[suite.get("name")] = counted
print(json.dumps(summary, sort_keys=True))
