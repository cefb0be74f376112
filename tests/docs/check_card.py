#!/usr/bin/env python3
"""Reads Hugging Face dataset cards (README.md) the way the hub's client does
and checks their metadata.

  check_card.py CARD.md [--expect EXPECT.json] [CARD.md [--expect ...]] ...

The YAML header is found as huggingface_hub's RepoCard does
(src/huggingface_hub/repocard.py, REGEX_YAML_BLOCK): a block between "---"
lines at the very start of the file, loaded with yaml.safe_load, which must
give a mapping. Then every key Granary writes is checked against what the
hub accepts (hub-docs datasetcard.md, docs/hub/repositories-licenses.md,
huggingface.js packages/tasks/src/pipelines.ts): licence ids, "other" with
license_name and license_link, ISO 639 language codes, the size buckets, the
creator and multilinguality enums, every list item a string (an unquoted
"yes" or "2024" would not be). EXPECT.json, when given, holds header values
the card must have exactly. The Markdown body must follow the header and
hold the card template's title.

Exit status 0 when every check passes, 1 otherwise (each failure printed).
"""
import json
import re
import sys

import yaml

# huggingface_hub/repocard.py
REGEX_YAML_BLOCK = re.compile(r"^(\s*---(\r\n|\r|\n))([\S\s]*?)((\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")

# hub-docs docs/hub/repositories-licenses.md
HF_LICENSES = {
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0",
    "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0",
    "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0",
    "cdla-permissive-2.0", "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1",
    "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc",
    "lppl-1.3c", "ms-pl", "mpl-2.0", "odc-by", "odbl", "openrail++", "osl-3.0", "postgresql",
    "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license", "llama2",
    "gemma", "unknown", "other",
}
SIZES = ["n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M", "100M<n<1B",
         "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T", "other"]
ANNOTATIONS = {"found", "crowdsourced", "expert-generated", "machine-generated", "no-annotation", "other"}
LANGUAGE_CREATORS = {"found", "crowdsourced", "expert-generated", "machine-generated", "other"}
MULTILINGUALITY = {"monolingual", "multilingual", "translation", "other"}
LIST_KEYS = {"language", "language_details", "multilinguality", "size_categories", "task_categories",
             "task_ids", "annotations_creators", "language_creators", "source_datasets", "tags"}
KNOWN_KEYS = LIST_KEYS | {"pretty_name", "license", "license_name", "license_link", "configs"}


def check(path, expect):
    errors = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = REGEX_YAML_BLOCK.search(text)
    if not m or m.start() != 0:
        return ["no YAML header at the start"]
    try:
        data = yaml.safe_load(m.group(3))
    except yaml.YAMLError as e:
        return ["the header is not YAML: %s" % e]
    if not isinstance(data, dict):
        return ["repo card metadata block should be a dict, got %r" % (data,)]
    body = text[m.end():]
    for k in data:
        if k not in KNOWN_KEYS:
            errors.append("unexpected key %r" % k)
    for k in LIST_KEYS & data.keys():
        v = data[k]
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            errors.append("%s must be a non-empty list of strings, got %r" % (k, v))
    lic = data.get("license")
    if not isinstance(lic, str) or lic not in HF_LICENSES:
        errors.append("license %r is not a Hugging Face licence id" % (lic,))
    if lic == "other":
        name = data.get("license_name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.\-]*", name):
            errors.append("license: other needs license_name (lower-case id), got %r" % (name,))
        if not isinstance(data.get("license_link"), str) or not data["license_link"]:
            errors.append("license: other needs license_link")
    elif "license_name" in data or "license_link" in data:
        errors.append("license_name/license_link only go with license: other")
    for code in data.get("language", []) or []:
        if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}", code):
            errors.append("language %r is not an ISO 639 code" % (code,))
    sizes = data.get("size_categories")
    if sizes is not None and (len(sizes) != 1 or sizes[0] not in SIZES):
        errors.append("size_categories %r: one of %s" % (sizes, SIZES))
    for k, allowed in (("annotations_creators", ANNOTATIONS), ("language_creators", LANGUAGE_CREATORS),
                       ("multilinguality", MULTILINGUALITY)):
        for v in data.get(k, []) or []:
            if v not in allowed:
                errors.append("%s: %r is not one of %s" % (k, v, sorted(allowed)))
    if "pretty_name" in data and not isinstance(data["pretty_name"], str):
        errors.append("pretty_name reads as %r (%s), not text" % (data["pretty_name"],
                                                                  type(data["pretty_name"]).__name__))
    configs = data.get("configs")
    if configs is not None:
        ok = isinstance(configs, list) and all(
            isinstance(c, dict) and isinstance(c.get("config_name"), str) and isinstance(c.get("data_files"), list)
            and all(isinstance(d, dict) and isinstance(d.get("split"), str) and isinstance(d.get("path"), str)
                    for d in c["data_files"]) for c in configs)
        if not ok:
            errors.append("configs is not a list of {config_name, data_files: [{split, path}]}: %r" % (configs,))
    if not re.search(r"^# Dataset Card for ", body, re.M):
        errors.append("the body lacks the '# Dataset Card for ...' title")
    for k, v in (expect or {}).items():
        if data.get(k) != v:
            errors.append("%s is %r, expected %r" % (k, data.get(k), v))
    return errors


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    i = 0
    while i < len(argv):
        path, expect = argv[i], None
        i += 1
        if i + 1 < len(argv) + 1 and i < len(argv) and argv[i] == "--expect":
            with open(argv[i + 1], encoding="utf-8") as f:
                expect = json.load(f)
            i += 2
        for e in check(path, expect):
            print("check_card: %s: %s" % (path, e), file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
