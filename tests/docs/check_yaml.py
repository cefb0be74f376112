#!/usr/bin/env python3
"""Checks YAML that Granary writes, with PyYAML (YAML 1.1 resolution, the
strictest reader: "yes", "on", "2024-01-01" and "1:20" are not strings to it).

  check_yaml.py SCALARS.yaml EXPECT.json
      SCALARS.yaml is a YAML list of scalars gr_doc_yaml_scalar wrote; each
      must load back as the string at the same place in EXPECT.json.
  check_yaml.py --load FILE...
      each FILE (the `granary doc edit` text) must load as a mapping whose
      values are null, strings, or lists of strings and objects of strings.

Exit status 0 when every check passes, 1 otherwise (each failure printed).
"""
import json
import sys

import yaml


def fail(msg):
    print("check_yaml: " + msg, file=sys.stderr)
    return 1


def check_scalars(path, expect_path):
    with open(path, encoding="utf-8") as f:
        got = yaml.safe_load(f)
    with open(expect_path, encoding="utf-8") as f:
        want = json.load(f)
    bad = 0
    if not isinstance(got, list) or len(got) != len(want):
        return fail("%s: expected a list of %d scalars, got %r" % (path, len(want), got))
    for i, (g, w) in enumerate(zip(got, want)):
        if not isinstance(g, str) or g != w:
            bad += fail("%s item %d: read back %r (%s), wrote %r" % (path, i + 1, g, type(g).__name__, w))
    return 1 if bad else 0


def string_tree(v):
    if v is None or isinstance(v, str):
        return True
    if isinstance(v, list):
        return all(string_tree(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and string_tree(x) for k, x in v.items())
    return False


def check_load(path):
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        return fail("%s: not a mapping" % path)
    bad = 0
    for k, v in data.items():
        if not string_tree(v):
            bad += fail("%s: %s reads as %r (%s), not text" % (path, k, v, type(v).__name__))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "--load":
        return max(check_load(p) for p in argv[1:])
    if len(argv) == 2:
        return check_scalars(argv[0], argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
