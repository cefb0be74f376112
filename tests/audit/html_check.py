#!/usr/bin/env python3
"""html_check.py: is an HTML file one self-contained page, with these charts?

    html_check.py FILE [--svg-chart ID ...] [--text STRING ...] [--no-text STRING ...]

Parses FILE with the standard library's html.parser and checks:
  - it loads nothing: no script, link, img, iframe, frame, object, embed,
    base, audio, video, source, track or form element; no src, srcset,
    href, xlink:href, action, formaction, poster, data, background or
    ping attribute whose value is anything but a fragment (#...); no
    url() but url(#...) and no @import in <style> or a style attribute;
    no event-handler (on...) attribute;
  - its elements nest: every non-void element closed, in order;
  - ids are unique;
  - each --svg-chart ID is an <svg> holding at least one <rect> or <path>;
  - the document's text contains each --text STRING, and no --no-text STRING.

Prints "ok ..." or "FAIL ..." lines; exits 0 when every check passes, else 1.
"""
import argparse
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# SVG elements written as <x/> are reported by handle_startendtag; these may also appear unclosed
LOADERS = {"script", "link", "img", "iframe", "frame", "object", "embed", "base", "audio", "video", "source",
           "track", "form", "applet", "portal"}
URL_ATTRS = {"src", "srcset", "href", "xlink:href", "action", "formaction", "poster", "data", "background", "ping",
             "codebase", "manifest"}
CSS_URL = re.compile(r"url\(\s*(?!['\"]?#)", re.I)


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.stack = []
        self.ids = {}
        self.svg = {}  # id -> count of rect/path inside it
        self.open_svg = []  # ids of the <svg> elements we are in
        self.text = []
        self.in_style = False

    def problem(self, msg):
        if len(self.problems) < 50:
            self.problems.append("line %d: %s" % (self.getpos()[0], msg))

    def attrs_check(self, tag, attrs):
        for name, val in attrs:
            name = name.lower()
            val = val or ""
            if name in URL_ATTRS and not val.strip().startswith("#"):
                self.problem("<%s %s=%r> loads or links outside the page" % (tag, name, val[:80]))
            if name.startswith("on"):
                self.problem("<%s %s=...>: an event handler" % (tag, name))
            if name == "style" and (CSS_URL.search(val) or "@import" in val.lower()):
                self.problem("<%s style=%r>: url() or @import" % (tag, val[:80]))
            if name == "id":
                if val in self.ids:
                    self.problem("id %r used twice" % val)
                self.ids[val] = tag

    def handle_starttag(self, tag, attrs):
        self.open_element(tag, attrs, closes=False)

    def handle_startendtag(self, tag, attrs):
        self.open_element(tag, attrs, closes=True)

    def open_element(self, tag, attrs, closes):
        if tag in LOADERS:
            self.problem("a <%s> element" % tag)
        self.attrs_check(tag, attrs)
        if tag in ("rect", "path") and self.open_svg:
            for sid in self.open_svg:
                if sid:
                    self.svg[sid] += 1
        if closes or tag in VOID:
            return
        if tag == "svg":
            sid = dict(attrs).get("id")
            if sid:
                self.svg.setdefault(sid, 0)
            self.open_svg.append(sid)
        if tag == "style":
            self.in_style = True
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problem("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
        if tag == "svg" and self.open_svg:
            self.open_svg.pop()
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            if CSS_URL.search(data) or "@import" in data.lower():
                self.problem("<style> with url() or @import")
            return
        self.text.append(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--svg-chart", action="append", default=[], metavar="ID")
    ap.add_argument("--text", action="append", default=[], metavar="STRING")
    ap.add_argument("--no-text", action="append", default=[], metavar="STRING")
    args = ap.parse_args()
    with open(args.file, encoding="utf-8") as f:
        src = f.read()
    c = Checker()
    c.feed(src)
    c.close()
    if c.stack:
        c.problem("unclosed at the end: %s" % " ".join("<%s>" % t for t in c.stack))
    fails = 0

    def say(good, what):
        nonlocal fails
        print("%s %s: %s" % ("ok  " if good else "FAIL", args.file, what))
        fails += not good

    say(not c.problems, "self-contained, well nested, unique ids" + "".join("\n     " + p for p in c.problems))
    for sid in args.svg_chart:
        n = c.svg.get(sid)
        say(bool(n), "<svg id=%s> %s" % (sid, "missing" if n is None else "with %d rect/path elements" % n))
    text = re.sub(r"\s+", " ", "".join(c.text))
    for t in args.text:
        say(t in text, "text %r" % t)
    for t in args.no_text:
        say(t not in text, "no text %r" % t)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
