#!/usr/bin/python3
"""
Generates tests/data/spdx/vectors.tsv: SPDX licence expressions with the
validity and normalised form python3-license-expression (Debian 12's
package, `apt-get install python3-license-expression`) gives them, for
tests/unit/test_spdx.c to compare with src/govern/spdx.c line by line.
Also writes tests/data/spdx/divergences.tsv: inputs where Granary differs
from the package on purpose, with both results and the reason.

Run from the repository root with Debian's interpreter (the package is in
its dist-packages): /usr/bin/python3 tests/spdx/mkvectors.py
The output is deterministic (fixed seed) for one package version.

The oracle (oracle() below) is
    get_spdx_licensing().parse(expr, validate=False, strict=True).render()
with validity = parses without error, is not empty, and every licence symbol
is one the package knows, with two documented allowances where the package
has no notion of an SPDX construct (it works from ScanCode's licence index,
not the SPDX grammar):
  * user-defined references, [DocumentRef-x:]LicenseRef-y, are valid (the
    package can only report them as unknown keys); rendered as written,
    which is what the package does;
  * "<id>+" is valid when <id> alone is a licence the package knows, and
    renders as the package's spelling of <id> followed by "+" (the package
    has no general "+" operator; it knows "GPL-2.0+" and the other GNU "+"
    forms only as aliases, and resolves those itself).
Everything else is the package's verdict and rendering, verbatim, except
two bugs of the package's parser (boolean.py), which the vectors leave out:
  * a trailing AND/OR after two or more operands of that operator is
    dropped ("MIT AND ISC AND" is "MIT AND ISC"); Granary rejects it, as
    the grammar does. Generated inputs ending in an operator that the
    package accepts go to divergences.tsv instead of vectors.tsv.
  * likewise a licence right after ")" with no operator between: boolean.py
    adds it to the enclosing operator ("(MIT) ISC AND 0BSD" is "MIT AND ISC
    AND 0BSD"); Granary rejects it. Such inputs go to divergences.tsv too.
A differential run of about 400,000 generated and random-token inputs found
no other disagreement.

The vectors use only ids on both lists (SPDX License List 3.28.0 shipped in
src/govern/spdx_licenses.inc, and the package's ScanCode index with its
SPDX list 3.19), with the same spelling after normalisation in both.
"""
import random
import re

import license_expression
from license_expression import get_spdx_licensing

INC = "src/govern/spdx_licenses.inc"
OUT = "tests/data/spdx/vectors.tsv"
DIV = "tests/data/spdx/divergences.tsv"
SEED = 20261128

L = get_spdx_licensing()
REF_RE = re.compile(r"(?:(?i:documentref-)[A-Za-z0-9.-]+:)?(?i:licenseref-)[A-Za-z0-9.-]+")


def pkg_version():
    try:
        from importlib.metadata import version
        return version("license-expression")
    except Exception:
        return getattr(license_expression, "__version__", "?")


def resolve(key):
    """The package's spelling of a single licence id, or None."""
    try:
        p = L.parse(key, validate=False, strict=True)
    except Exception:
        return None
    if not isinstance(p, license_expression.LicenseSymbol) or p.key not in L.known_symbols:
        return None
    return None if p.is_exception else p.key


def oracle(expr):
    """(valid, normalised) per the package, with the two allowances above."""
    try:
        p = L.parse(expr, validate=False, strict=True)
    except Exception:  # ExpressionError, and boolean.py's IndexError/TypeError on e.g. "()"
        return 0, ""
    if p is None:
        return 0, ""
    for sym in L.license_symbols(p, unique=False, decompose=True):
        if sym.key in L.known_symbols:
            continue
        if REF_RE.fullmatch(sym.key):
            continue
        if sym.key.endswith("+") and not sym.key.endswith("++"):
            base = resolve(sym.key[:-1])
            if base:
                sym.key = base + "+"
                continue
        return 0, ""
    return 1, p.render()


# ---- the two lists ---------------------------------------------------------

def our_list():
    rows = {}
    pat = re.compile(r'^\t\{"([^"]+)", (?:"(?:[^"\\]|\\.)*"|NULL), ([A-Z_|0]+), (NULL|"[^"]*"), (NULL|"[^"]*")\},$')
    for line in open(INC):
        m = pat.match(line)
        if m:
            rep = None if m.group(3) == "NULL" else m.group(3).strip('"')
            rep_plus = None if m.group(4) == "NULL" else m.group(4).strip('"')
            rows[m.group(1)] = ("SPDX_F_EXCEPTION" in m.group(2), "SPDX_F_DEPRECATED" in m.group(2), rep, rep_plus)
    assert len(rows) > 700, "could not read " + INC
    return rows


OURS = our_list()
# licences: the package resolves the id to what Granary normalises it to
LICENSES = sorted(k for k, (exc, dep, rep, _) in OURS.items()
                  if not exc and (not dep or rep) and resolve(k) == (rep or k))
EXCEPTIONS = []
for k, (exc, dep, _, _) in sorted(OURS.items()):
    sym = L.known_symbols.get(k)
    if exc and not dep and sym is not None and sym.is_exception:
        EXCEPTIONS.append(k)
DEPRECATED = sorted(k for k in LICENSES if OURS[k][1])
CURRENT = [k for k in LICENSES if not OURS[k][1]]
POPULAR = [k for k in ["MIT", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", "GPL-2.0-only", "GPL-3.0-or-later",
                       "LGPL-2.1-or-later", "MPL-2.0", "ISC", "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0",
                       "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0",
                       "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "Unlicense", "Zlib", "AGPL-3.0-only",
                       "EPL-2.0", "BSL-1.0", "0BSD", "Artistic-2.0", "CC-BY-3.0-DE"] if k in LICENSES]
# '+' after ids the package resolves (GNU aliases) and after others (allowance)
UNKNOWN = [u for u in ["MIT-foo", "Apache-3.0", "GPL-4.0-only", "CC-BY-5.0", "BSD-5-Clause", "foo", "Proprietary",
                       "NOASSERTION", "NONE", "public-domain", "GPLv3", "X11-foo", "CC-BY-NC-SA-9.0", "bsd-2",
                       "MIT.", "-MIT", "Apache", "GPL", "Granary-1.0", "cc-by"]
           if L.known_symbols_lowercase.get(u.lower()) is None and resolve(u) is None]


def rcase(rng, s):
    choice = rng.random()
    if choice < 0.25:
        return s.lower()
    if choice < 0.45:
        return s.upper()
    if choice < 0.6:
        return s
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def ws(rng):
    return rng.choice([" ", " ", " ", "  ", "\t", " \n ", "   "])


def op(rng, name):
    return name if rng.random() < 0.7 else name.lower()


def leaf(rng, allow_plus=True, allow_with=True, case=True):
    r = rng.random()
    if r < 0.5:
        k = rng.choice(POPULAR)
    elif r < 0.9:
        k = rng.choice(CURRENT)
    else:
        k = rng.choice(DEPRECATED)
    s = rcase(rng, k) if case and rng.random() < 0.4 else k
    if allow_plus and rng.random() < 0.1:
        s += "+"
    if allow_with and rng.random() < 0.12:
        s += ws(rng) + op(rng, "WITH") + ws(rng) + (rcase(rng, e) if (e := rng.choice(EXCEPTIONS)) and case
                                                    and rng.random() < 0.3 else e)
    return s


def ref(rng):
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
                   for _ in range(rng.randint(1, 12)))
    prefix = rng.choice(["LicenseRef-", "LicenseRef-", "LicenseRef-", "licenseref-", "LICENSEREF-"])
    s = "LicenseRef-granary-" + name if prefix == "LicenseRef-" and rng.random() < 0.5 else prefix + name
    if rng.random() < 0.25:
        s = rng.choice(["DocumentRef-", "documentref-"]) + "spdx-doc-" + str(rng.randint(1, 99)) + ":" + s
    return s


def tree(rng, depth, make_leaf):
    """(text, precedence) of a random expression: 0 leaf, 1 AND, 2 OR."""
    if depth == 0 or rng.random() < 0.35:
        return make_leaf(rng), 0
    kind = rng.choice(["AND", "OR"])
    prec = 1 if kind == "AND" else 2
    parts = []
    for _ in range(rng.randint(2, 4)):
        t, p = tree(rng, depth - 1, make_leaf)
        # parentheses where precedence needs them (OR inside AND, and same-kind
        # groups the tree meant to keep), sometimes redundant ones too
        need = p > prec or (p == prec)
        if need or rng.random() < 0.15:
            t = "(" + (ws(rng) if rng.random() < 0.2 else "") + t + (ws(rng) if rng.random() < 0.2 else "") + ")"
            if rng.random() < 0.08:
                t = "(" + t + ")"
        elif p == 1 and prec == 2 and rng.random() < 0.5:
            pass  # AND inside OR without parentheses: precedence does it
        parts.append(t)
    sep = [ws(rng) + op(rng, kind) + ws(rng) for _ in parts[1:]]
    out = parts[0]
    for s, t in zip(sep, parts[1:]):
        out += s + t
    return out, prec


def flat(rng, n, make_leaf):
    """A chain of leaves with mixed AND/OR and no parentheses: precedence decides."""
    out = make_leaf(rng)
    for _ in range(n - 1):
        out += ws(rng) + op(rng, rng.choice(["AND", "OR"])) + ws(rng) + make_leaf(rng)
    return out


def generate():
    rng = random.Random(SEED)
    v = []
    # single ids, odd case
    for k in POPULAR:
        v.append(rcase(rng, k))
    for _ in range(40):
        v.append(rcase(rng, rng.choice(CURRENT)))
    # deprecated ids with a successor, with and without '+'
    for k in DEPRECATED:
        v.append(rcase(rng, k))
        v.append(rcase(rng, k) + "+")
    # '+' after other ids
    for _ in range(20):
        v.append(rcase(rng, rng.choice(CURRENT)) + "+")
    # WITH
    for _ in range(30):
        v.append(rcase(rng, rng.choice(POPULAR + CURRENT[:50])) + ws(rng) + op(rng, "WITH") + ws(rng)
                 + rcase(rng, rng.choice(EXCEPTIONS)))
    for _ in range(6):
        v.append(rng.choice(DEPRECATED) + "+ WITH " + rng.choice(EXCEPTIONS))
    # references
    for _ in range(20):
        v.append(ref(rng))
    for _ in range(10):
        v.append(tree(rng, 2, lambda r: ref(r) if r.random() < 0.4 else leaf(r))[0])
    # nested AND/OR, with and without parentheses
    for _ in range(110):
        v.append(tree(rng, rng.randint(1, 4), leaf)[0])
    for _ in range(40):
        v.append(flat(rng, rng.randint(2, 7), leaf))
    # whitespace and parentheses squeezed
    for _ in range(15):
        t = tree(rng, 3, leaf)[0]
        v.append(re.sub(r"\s*([()])\s*", r"\1", t))
    for _ in range(5):
        v.append(ws(rng) + tree(rng, 2, leaf)[0] + ws(rng))

    # ---- invalid ----
    def valid_tree():
        return tree(rng, rng.randint(1, 3), leaf)[0]

    for u in UNKNOWN:  # unknown ids alone and inside expressions
        v.append(u)
        v.append(valid_tree() + " AND " + rcase(rng, u))
    for _ in range(15):  # dangling operators
        t = valid_tree()
        o = rng.choice(["AND", "OR", "and", "or"])
        v.append(rng.choice([t + " " + o, o + " " + t, t + " " + o + " " + o + " " + leaf(rng),
                             "(" + t + " " + o + ")", o]))
    for _ in range(15):  # unbalanced parentheses
        t = tree(rng, 3, leaf)[0]
        if "(" in t and rng.random() < 0.5:
            i = rng.choice([m.start() for m in re.finditer(r"[()]", t)])
            t = t[:i] + t[i + 1:]
        else:
            t = rng.choice(["(" + t, t + ")", "((" + t + ")", "(" + t + "))", ")" + t + "("])
        v.append(t)
    for _ in range(10):  # WITH without an exception, or in the wrong place
        k = leaf(rng, allow_with=False)
        v.append(rng.choice([k + " WITH", k + " WITH AND " + leaf(rng), k + " WITH (" + rng.choice(EXCEPTIONS) + ")",
                             "WITH " + rng.choice(EXCEPTIONS), k + " with with " + rng.choice(EXCEPTIONS),
                             "(" + k + " OR " + leaf(rng, allow_with=False) + ") WITH " + rng.choice(EXCEPTIONS),
                             k + " WITH " + rng.choice(EXCEPTIONS) + " WITH " + rng.choice(EXCEPTIONS)]))
    for _ in range(10):  # an exception used as a licence
        e = rcase(rng, rng.choice(EXCEPTIONS))
        v.append(rng.choice([e, leaf(rng) + " AND " + e, e + " OR " + leaf(rng), "(" + e + ")"]))
    for _ in range(8):  # a licence used as an exception
        v.append(leaf(rng, allow_with=False) + " WITH " + rcase(rng, rng.choice(POPULAR)))
    for _ in range(4):  # a reference after WITH (the SPDX 2.3 grammar wants an exception id)
        v.append(leaf(rng, allow_with=False) + " WITH " + ref(rng))
    v += ["", " ", "\t", "()", "( )", "(())"]  # empty
    garbage = ["MIT/Apache-2.0", "MIT, Apache-2.0", "MIT;", "MIT & Apache-2.0", "MIT | Apache-2.0", '"MIT"',
               "MIT AND Äpache-2.0", "[MIT]", "MIT AND {Apache-2.0}", "MIT_License", "MIT*", "#MIT", "MIT!",
               "Apache-2.0 OR MIT = dual", "LicenseRef-", "LicenseRef-a:b", "DocumentRef-x:MIT",
               "DocumentRef-:LicenseRef-x", "LicenseRef-a_b", "MIT AND LicenseRef-x y"]
    v += garbage
    for _ in range(10):  # '+' in the wrong place
        k = rng.choice(POPULAR)
        v.append(rng.choice([k + "++", "+" + k, k + " +", k + "+ +", "LicenseRef-x+", rng.choice(EXCEPTIONS) + "+",
                             "GPL-2.0-only WITH " + rng.choice(EXCEPTIONS) + "+", k + "+" + k, "+"]))
    for _ in range(10):  # two operands without an operator
        a, b = leaf(rng), leaf(rng)
        v.append(rng.choice([a + " " + b, a + " (" + b + ")", "(" + a + ")(" + b + ")", "(" + a + ") " + b]))
    # unique, in order
    seen, out = set(), []
    for e in v:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


TRAILING = "a trailing operator is an error; the package's parser (boolean.py) drops it after two operands"
TRAILING_RE = re.compile(r"(?:^|[\s)])(?:and|or)\s*$", re.I)
ADJACENT = "an operand right after ')' needs an operator; the package's parser (boolean.py) adds it to the enclosing one"
ADJACENT_RE = re.compile(r"\)\s*(?!(?:and|or|with)(?:[\s()]|$))[^\s()]", re.I)


def quirk(e):
    """The package bug a valid-looking verdict on e comes from, or None."""
    if TRAILING_RE.search(e):
        return TRAILING
    if ADJACENT_RE.search(e):
        return ADJACENT
    return None

# Inputs where Granary differs from the package on purpose:
# (input, Granary valid, Granary normalised, reason). The generator checks
# that the package's result really differs.
DIVERGENCES = [
    ("MIT And Apache-2.0", 0, "", "operators are AND/and (SPDX: all upper or all lower case); the package takes any case"),
    ("mit Or apache-2.0", 0, "", "operators are OR/or; the package takes any case"),
    ("GPL-2.0-only With Classpath-exception-2.0", 0, "", "operators are WITH/with; the package takes any case"),
    ("GPL 2.0", 0, "", "an id is one word; the package knows multi-word aliases from ScanCode"),
    ("BSD-2", 0, "", "not an SPDX id; a ScanCode alias of BSD-2-Clause in the package"),
    ("LicenseRef-GPL-2.0", 1, "LicenseRef-GPL-2.0", "a LicenseRef is the author's own licence, kept as written; "
     "the package resolves some ScanCode LicenseRefs to SPDX ids"),
    ("licenseref-scancode-3com-microcode", 1, "licenseref-scancode-3com-microcode",
     "a LicenseRef is kept as written; the package knows ScanCode's and normalises their case"),
    ("MIT WITH LicenseRef-scancode-apache-patent-exception", 0, "",
     "only exception ids and AdditionRefs follow WITH; the package's ScanCode index has LicenseRef exceptions"),
    ("GPL-2.0-only WITH AdditionRef-my-exception", 1, "GPL-2.0-only WITH AdditionRef-my-exception",
     "SPDX 3.0 AdditionRef after WITH; the package predates it"),
    ("eCos-2.0", 1, "eCos-2.0", "a deprecated id still on the SPDX list (flagged); not in the package's index"),
    ("GPL-2.0-with-classpath-exception", 1, "GPL-2.0-with-classpath-exception",
     "a deprecated id still on the SPDX list; not in the package's index"),
    ("CC-PDM-1.0", 1, "CC-PDM-1.0", "added to the SPDX list after 3.19, the package's version"),
    ("Unicode-3.0 OR MIT", 1, "Unicode-3.0 OR MIT", "added to the SPDX list after 3.19"),
    ("MIT AND Apache-2.0 AND", 0, "", TRAILING),
    ("MIT or ISC or", 0, "", TRAILING),
    ("(MIT) ISC AND 0BSD", 0, "", ADJACENT),
    ("MIT\u00a0AND Apache-2.0", 0, "", "whitespace is ASCII (space, tab, CR, LF, VT, FF); the package splits on any "
     "Unicode space"),
]


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main():
    version = pkg_version()
    vec = generate()
    rows, quirks = [], []
    for e in vec:
        ok, norm = oracle(e)
        if ok and quirk(e):
            quirks.append((e, 0, "", quirk(e)))
        else:
            rows.append((e, ok, norm))
    nvalid = sum(r[1] for r in rows)
    with open(OUT, "w") as f:
        f.write("# SPDX licence expressions: input, valid (0/1), normalised form (empty when invalid).\n")
        f.write("# Generated by tests/spdx/mkvectors.py (seed %d) from python3-license-expression %s\n"
                % (SEED, version))
        f.write("# (ScanCode index, SPDX list 3.19) with the allowances that script documents; ids are\n")
        f.write("# restricted to those on both lists. Input escapes: \\\\ \\t \\n \\r. Do not edit.\n")
        for e, ok, norm in rows:
            f.write("%s\t%d\t%s\n" % (esc(e), ok, esc(norm)))
    with open(DIV, "w") as f:
        f.write("# Where Granary's SPDX parser differs from python3-license-expression %s on purpose.\n"
                % version)
        f.write("# input, Granary valid, Granary normalised, package valid, package normalised, reason.\n")
        f.write("# Generated by tests/spdx/mkvectors.py. Do not edit.\n")
        for e, ok, norm, why in DIVERGENCES + quirks:
            pv, pn = oracle(e)
            if e.startswith("licenseref-") or e.startswith("LicenseRef-") or "LicenseRef-" in e:
                # the allowance accepts references; record the package's own view
                try:
                    p = L.parse(e, validate=False, strict=True)
                    pv, pn = (0, "") if L.unknown_license_keys(p) else (1, p.render())
                except Exception:
                    pv, pn = 0, ""
            assert (pv, pn) != (ok, norm), "not a divergence: %r" % e
            f.write("%s\t%d\t%s\t%d\t%s\t%s\n" % (esc(e), ok, esc(norm), pv, esc(pn), why))
    print("%s: %d expressions (%d valid, %d invalid); %s: %d; license-expression %s; %d licences, %d exceptions in "
          "common" % (OUT, len(rows), nvalid, len(rows) - nvalid, DIV, len(DIVERGENCES) + len(quirks), version, len(LICENSES),
                      len(EXCEPTIONS)))


if __name__ == "__main__":
    main()
