#!/usr/bin/env python3
"""Checks Croissant 1.0 JSON-LD that `granary doc export --format croissant`
writes.

  check_croissant.py FILE...

Required, from the Croissant 1.0 specification (mlcommons/croissant
docs/croissant-spec.md, "Dataset-level Information", the "Required" table,
and "Modified and Added Properties", which makes distribution required):
@context, @type (schema.org Dataset), dct:conformsTo
("http://mlcommons.org/croissant/1.0"), description, license, name, url,
creator, datePublished, distribution (FileObject or FileSet values).
Beyond the table, what mlcroissant (python/mlcroissant) refuses to load:
a FileObject without @id, name, contentUrl or encodingFormat, a RecordSet
field without a source that names a distribution entry; and what it warns
about: a FileObject without sha256 or md5 (not a failure here, a note), a
version that is not MAJOR.MINOR.PATCH, a @context without the standard
aliases. RAI properties (docs/croissant-rai-spec.md, croissant_rai.ttl)
must be names the RAI 1.0 vocabulary defines. When mlcroissant is
installed it is run on the file too.

Exit status 0 when every check passes, 1 otherwise (each failure printed).
"""
import datetime
import json
import re
import sys

REQUIRED = ["@context", "@type", "conformsTo", "description", "license", "name", "url", "creator",
            "datePublished", "distribution"]
CONTEXT = {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
           "dct": "http://purl.org/dc/terms/", "rai": "http://mlcommons.org/croissant/RAI/",
           "conformsTo": "dct:conformsTo", "citeAs": "cr:citeAs", "field": "cr:field", "recordSet": "cr:recordSet",
           "source": "cr:source", "extract": "cr:extract", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
           "column": "cr:column", "key": "cr:key", "isLiveDataset": "cr:isLiveDataset", "md5": "cr:md5"}
RAI = {"dataCollection", "dataCollectionType", "dataCollectionMissingData", "dataCollectionRawData",
       "dataCollectionTimeframe", "dataImputationProtocol", "dataManipulationProtocol",
       "dataPreprocessingProtocol", "dataAnnotationProtocol", "dataAnnotationPlatform", "dataAnnotationAnalysis",
       "dataReleaseMaintenancePlan", "personalSensitiveInformation", "dataSocialImpact", "dataBiases",
       "dataLimitations", "dataUseCases", "annotationsPerItem", "annotatorDemographics", "machineAnnotationTools"}


def is_date(s):
    if not isinstance(s, str):
        return False
    try:
        datetime.date.fromisoformat(s[:10])
        if len(s) > 10:
            datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def check(path):
    errors, notes = [], []
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if not isinstance(d, dict):
        return ["not a JSON object"], notes
    for k in REQUIRED:
        if k not in d and not (k == "conformsTo" and "dct:conformsTo" in d):
            errors.append("missing required property %s" % k)
    ctx = d.get("@context")
    if not isinstance(ctx, dict):
        errors.append("@context is not an object")
    else:
        for k, v in CONTEXT.items():
            if ctx.get(k) != v:
                errors.append("@context: %s should be %r, is %r" % (k, v, ctx.get(k)))
    if d.get("@type") not in ("sc:Dataset", "Dataset", "https://schema.org/Dataset"):
        errors.append("@type is %r, not sc:Dataset" % (d.get("@type"),))
    if d.get("conformsTo", d.get("dct:conformsTo")) != "http://mlcommons.org/croissant/1.0":
        errors.append("conformsTo is not http://mlcommons.org/croissant/1.0")
    for k in ("name", "description", "url"):
        if k in d and (not isinstance(d[k], str) or not d[k].strip()):
            errors.append("%s is not a non-empty string" % k)
    lic = d.get("license")
    if lic is not None and not (isinstance(lic, str) and lic or isinstance(lic, (list, dict)) and lic):
        errors.append("license is empty")
    creators = d.get("creator")
    if creators is not None:
        creators = creators if isinstance(creators, list) else [creators]
        if not creators or not all(isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"]
                                   for c in creators):
            errors.append("creator must be Person/Organization objects with a name")
    if "datePublished" in d and not is_date(d["datePublished"]):
        errors.append("datePublished %r is not an ISO 8601 date" % (d["datePublished"],))
    if "version" in d and not re.fullmatch(r"\d+\.\d+\.\d+", str(d["version"])):
        errors.append("version %r is not MAJOR.MINOR.PATCH" % (d["version"],))
    ids = set()
    dist = d.get("distribution")
    if not isinstance(dist, list) or not dist:
        errors.append("distribution is not a non-empty list")
        dist = []
    for i, r in enumerate(dist):
        t = r.get("@type") if isinstance(r, dict) else None
        if t not in ("cr:FileObject", "cr:FileSet"):
            errors.append("distribution[%d] @type %r is not cr:FileObject or cr:FileSet" % (i, t))
            continue
        if not r.get("@id"):
            errors.append("distribution[%d] has no @id" % i)
        ids.add(r.get("@id"))
        if t == "cr:FileObject":
            for k in ("name", "contentUrl", "encodingFormat"):
                if not isinstance(r.get(k), str) or not r[k]:
                    errors.append("distribution[%d] (FileObject) has no %s" % (i, k))
            if not r.get("sha256") and not r.get("md5") and not d.get("isLiveDataset"):
                notes.append("distribution[%d] has no sha256 (mlcroissant asks for one)" % i)
            elif r.get("sha256") and not re.fullmatch(r"[0-9a-f]{64}", r["sha256"]):
                errors.append("distribution[%d] sha256 is not 64 hex digits" % i)
    for i, rs in enumerate(d.get("recordSet", []) or []):
        if not isinstance(rs, dict) or rs.get("@type") != "cr:RecordSet":
            errors.append("recordSet[%d] is not a cr:RecordSet" % i)
            continue
        for j, fl in enumerate(rs.get("field", []) or []):
            src = fl.get("source", {}) if isinstance(fl, dict) else {}
            ref = (src.get("fileObject") or src.get("fileSet") or {}).get("@id")
            if fl.get("@type") != "cr:Field" or not fl.get("@id") or not fl.get("dataType"):
                errors.append("recordSet[%d].field[%d] needs @type cr:Field, @id, dataType" % (i, j))
            if ref not in ids:
                errors.append("recordSet[%d].field[%d] source %r names no distribution entry" % (i, j, ref))
    for k in d:
        if k.startswith("rai:") and k[4:] not in RAI:
            errors.append("%s is not a Croissant RAI 1.0 property" % k)
    try:
        import mlcroissant  # noqa: F401, only when installed
    except ImportError:
        pass
    else:
        try:
            mlcroissant.Dataset(jsonld=path)
        except Exception as e:  # mlcroissant raises its own ValidationError
            errors.append("mlcroissant: %s" % e)
    return errors, notes


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for path in argv:
        errors, notes = check(path)
        for n in notes:
            print("check_croissant: %s: note: %s" % (path, n), file=sys.stderr)
        for e in errors:
            print("check_croissant: %s: %s" % (path, e), file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
