#!/usr/bin/env python3
"""Validates JSON files against a JSON Schema from schema/.

  check_schema.py --schema SCHEMA.json FILE...

With the jsonschema package (Debian: python3-jsonschema) the full Draft
2020-12 validator runs; without it, a small validator covering the keywords
Granary's schemas use (type, also as a list, const, enum, pattern, minLength,
minItems, maxItems, minimum, maximum, properties, additionalProperties, also as
a schema, required, items, and $ref to #/$defs/NAME).

Exit status 0 when every file is valid, 1 otherwise (each error printed).
"""
import json
import re
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def type_ok(t, v):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "null":
        return v is None
    return isinstance(v, TYPES[t])


def mini(schema, v, where, errors, root=None):
    root = schema if root is None else root
    ref = schema.get("$ref")
    if ref:
        if not ref.startswith("#/$defs/"):
            errors.append("%s: unsupported $ref %s" % (where, ref))
            return
        schema = root["$defs"][ref[len("#/$defs/"):]]
    t = schema.get("type")
    if t is not None:
        ts = t if isinstance(t, list) else [t]
        if not any(type_ok(x, v) for x in ts):
            errors.append("%s: expected %s, got %s" % (where, "/".join(ts), type(v).__name__))
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
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "minimum" in schema and v < schema["minimum"]:
            errors.append("%s: below %s" % (where, schema["minimum"]))
        if "maximum" in schema and v > schema["maximum"]:
            errors.append("%s: above %s" % (where, schema["maximum"]))
    if isinstance(v, list):
        if len(v) < schema.get("minItems", 0) or len(v) > schema.get("maxItems", len(v)):
            errors.append("%s: wrong number of items" % where)
        for i, x in enumerate(v):
            mini(schema.get("items", {}), x, "%s[%d]" % (where, i), errors, root)
    if isinstance(v, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for k in schema.get("required", []):
            if k not in v:
                errors.append("%s: %s is required" % (where, k))
        for k, x in v.items():
            at = "%s.%s" % (where, k) if where else k
            if k in props:
                mini(props[k], x, at, errors, root)
            elif extra is False:
                errors.append("%s: unexpected property %s" % (where or "(top)", k))
            elif isinstance(extra, dict):
                mini(extra, x, at, errors, root)


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
