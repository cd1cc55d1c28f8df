#!/usr/bin/env python3
"""Makes license-documents.jsonl.gz: a few thousand short English documents for TextIT.

The text is the license texts every Debian system ships in /usr/share/common-licenses (part of
base-files, so present on a fresh Debian 12). Each license's words are cut into overlapping
windows of WINDOW words every STEP words; a window is one document {"id": "<license>#<word>",
"text": "..."}. Deterministic: the same files give the same output. Python 3 standard library only.

    python3 make_license_documents.py [SOURCE_DIR] [OUTPUT] [NAME]

With NAME, the files of that name anywhere under SOURCE_DIR instead (id = their relative path), e.g.
/usr/share/doc and copyright: every package's copyright file, a larger set for bench-text.
"""
import gzip
import json
import os
import sys

WINDOW = 40
STEP = 12


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/common-licenses"
    here = os.path.dirname(os.path.abspath(__file__))
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "license-documents.jsonl.gz")
    only = sys.argv[3] if len(sys.argv) > 3 else None
    if only is None:
        names = sorted(os.listdir(source))
    else:
        names = sorted(os.path.relpath(os.path.join(d, f), source) for d, _, files in os.walk(source)
                       for f in files if f == only)
    count = 0
    # mtime=0: the same bytes on every run
    with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for name in names:
            path = os.path.join(source, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue  # GPL -> GPL-3 and the like: each text once
            with open(path, encoding="utf-8", errors="replace") as f:
                words = f.read().split()
            for start in range(0, max(1, len(words) - WINDOW + 1), STEP):
                doc = {"id": "%s#%d" % (name, start), "text": " ".join(words[start:start + WINDOW])}
                out.write((json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8"))
                count += 1
    print("%d documents -> %s" % (count, output))


if __name__ == "__main__":
    main()
