#!/usr/bin/env python3
"""Validates JSON files against a JSON Schema from schema/.

  check_schema.py --schema SCHEMA.json FILE...

With the jsonschema package (Debian: python3-jsonschema) the full Draft
2020-12 validator runs; without it, a small validator covering the keywords
Granary's schemas use (type, const, enum, pattern, minLength, minItems,
maxItems, minimum, properties, additionalProperties, required, items).

Exit status 0 when every file is valid, 1 otherwise (each error printed).
"""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def mini(schema, v, where, errors):
    t = schema.get("type")
    if t == "integer":
        if not (isinstance(v, int) and not isinstance(v, bool)):
            errors.append("%s: expected an integer" % where)
            return
    elif t and not isinstance(v, TYPES[t]):
        errors.append("%s: expected %s, got %s" % (where, t, type(v).__name__))
        return
    if "const" in schema and v != schema["const"]:
        errors.append("%s: must be %r" % (where, schema["const"]))
    if "enum" in schema and v not in schema["enum"]:
        errors.append("%s: %r is not one of the allowed values" % (where, v))
    if isinstance(v, str):
        if "pattern" in schema and not re.search(schema["pattern"], v):
            errors.append("%s: %r does not match %s" % (where, v, schema["pattern"]))
        if len(v) < schema.get("minLength", 0):
            errors.append("%s: too short" % where)
    if isinstance(v, int) and "minimum" in schema and v < schema["minimum"]:
        errors.append("%s: below %s" % (where, schema["minimum"]))
    if isinstance(v, list):
        if len(v) < schema.get("minItems", 0) or len(v) > schema.get("maxItems", len(v)):
            errors.append("%s: wrong number of items" % where)
        for i, x in enumerate(v):
            mini(schema.get("items", {}), x, "%s[%d]" % (where, i), errors)
    if isinstance(v, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in v:
                errors.append("%s: %s is required" % (where, k))
        for k, x in v.items():
            if k in props:
                mini(props[k], x, "%s.%s" % (where, k) if where else k, errors)
            elif schema.get("additionalProperties") is False:
                errors.append("%s: unexpected property %s" % (where or "(top)", k))


def main(argv):
    if len(argv) < 3 or argv[0] != "--schema":
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    try:
        import jsonschema
        validator = jsonschema.Draft202012Validator(schema)
    except ImportError:
        validator = None
    failed = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if validator is not None:
            errors = ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)", e.message)
                      for e in validator.iter_errors(doc)]
        else:
            errors = []
            mini(schema, doc, "", errors)
        for e in errors:
            print("check_schema: %s: %s" % (path, e), file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
