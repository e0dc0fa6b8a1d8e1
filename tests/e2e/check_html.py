#!/usr/bin/python3
"""check_html.py: a strict structural check of an HTML file, standard library
only (run with Debian's /usr/bin/python3; no PyPI).

Usage: check_html.py FILE [--svg-ids id1,id2,...] [--text "sentence"]...

Fails (exit 1) when a start tag is not closed by its own end tag, an end tag
has no open element, an id repeats, an attribute repeats, or a named svg or
text is missing. Prints the number of <svg> elements and their ids.
"""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.svgs, self.text = [], [], set(), [], []

    def where(self):
        return "line %d" % self.getpos()[0]

    def check_attrs(self, tag, attrs):
        names = [a for a, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append("%s: <%s> repeats an attribute" % (self.where(), tag))
        for a, v in attrs:
            if a == "id":
                if v in self.ids:
                    self.errors.append("%s: id %r repeats" % (self.where(), v))
                self.ids.add(v)
        if tag == "svg":
            self.svgs.append(dict(attrs).get("id"))

    def handle_starttag(self, tag, attrs):
        self.check_attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.check_attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append("%s: </%s> with nothing open" % (self.where(), tag))
        elif self.stack[-1] != tag:
            self.errors.append("%s: </%s> closes <%s>" % (self.where(), tag, self.stack[-1]))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    path, ids, texts = args[0], [], []
    i = 1
    while i < len(args):
        if args[i] == "--svg-ids":
            ids = [x for x in args[i + 1].split(",") if x]
        elif args[i] == "--text":
            texts.append(args[i + 1])
        i += 2
    p = Strict()
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    if not doc.startswith("<!DOCTYPE html>"):
        p.errors.append("no <!DOCTYPE html> first")
    p.feed(doc)
    p.close()
    if p.stack:
        p.errors.append("left open at the end: " + " ".join(p.stack))
    for want in ids:
        if want not in p.svgs:
            p.errors.append("no <svg id=%r>" % want)
    flat = " ".join("".join(p.text).split())
    for t in texts:
        if t not in flat:
            p.errors.append("text not found: %r" % t)
    print("%s: %d svg: %s" % (path, len(p.svgs), ", ".join(str(s) for s in p.svgs)))
    for e in p.errors:
        print("check_html: " + e, file=sys.stderr)
    return 1 if p.errors else 0


if __name__ == "__main__":
    sys.exit(main())
