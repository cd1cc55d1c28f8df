#!/usr/bin/env -S /usr/bin/python3
"""Make the documents and digits data sets of the side-by-side benchmark (bench/run.sh).

documents  The English manual pages installed on this machine (/usr/share/man/man1..man8/*.gz,
           read with Python's gzip; pages that are only a ".so" redirect are skipped). The troff
           source is reduced to its text: comment lines dropped, macro names (".SH", ".B", ...)
           removed with their arguments kept, escapes (\\fB, \\(em, \\*(..., \\-, \\&, ...) removed.
           Each page is cut at its section headers (.SH): every section with at least --min-words
           words is one document. TF-IDF: sklearn's TfidfVectorizer(stop_words='english',
           max_features=--vocabulary, min_df=2, max_df=0.5, sublinear_tf=True, tokens: two or more
           letters, digits or underscores starting with a letter; l2-normalised rows).
           Documents left empty by the vocabulary are dropped; the rest are put in a seeded
           shuffled order (numpy default_rng(--seed).permutation). Saved with
           scipy.sparse.save_npz as a CSC matrix of shape (terms, documents): one item per column.
           The vocabulary is written next to it (OUT stem + ".vocab.txt", one term per line).
paragraphs Paragraphs of real English that Debian ships: the manual pages (man1..man8, cut at the
           paragraph and section macros .PP .P .LP .TP .IP .HP .SH .SS and at blank lines, the text
           extracted as for documents), the licenses in /usr/share/common-licenses and the
           /usr/share/doc/*/copyright notices (cut at blank lines); each distinct paragraph of
           --min-words to 400 words is one document. Same TF-IDF as documents; the first
           --paragraphs (default 60,000) of the seeded shuffled order are kept.
digits     scikit-learn's digits (load_digits: 1,797 8 x 8 images shipped with the package,
           values 0..16), as a float64 .npy of shape (64, 1797): one image per column, in the
           package's order.

With --text FILE.jsonl.gz (documents and paragraphs) the raw text of the kept documents is written
too, in the same shuffled order as the matrix's columns: one JSON line {"id", "text"} each, gzipped;
the form `produce --text` and `bench-text` read.

A sidecar OUT + ".json" records the shape, the parameters and the sha256 of the file; the same
JSON is printed as one line. Errors go to stderr with exit code 1.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import glob
import gzip
import hashlib
import json
import re
import sys

import numpy as np
import scipy.sparse as sp


class Fail(Exception):
    pass


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------- documents

ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), " "),     # font changes \fB \f(CW \f[I]
    (re.compile(r"\\s[+-]?\d+"), ""),                  # size changes
    (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), " "),     # strings \*(Tm \*[x]
    (re.compile(r"\\\((..)"), " "),                    # special characters \(em
    (re.compile(r"\\\[[^\]]*\]"), " "),                # \[em]
    (re.compile(r"\\[-e]"), "-"),
    (re.compile(r"\\[&|^%:/,~0 ]"), " "),
    (re.compile(r"\\[nk](\[[^\]]*\]|\(..|.)"), " "),   # registers
    (re.compile(r"\\[hvwloLDXbxZNRY]'[^']*'"), " "),   # escapes with a quoted argument
    (re.compile(r"\\."), " "),                         # anything else
]
TOKEN = r"(?u)\b[A-Za-z][A-Za-z0-9_]+\b"   # words of two or more characters starting with a letter
MACRO = re.compile(r"^[.'][ \t]*([A-Za-z][A-Za-z0-9]*)?[ \t]*")
SECTION = re.compile(r"^[.'][ \t]*SH\b")


def troff_text(line):
    for pattern, repl in ESCAPES:
        line = pattern.sub(repl, line)
    return line


def man_sections(source):
    """The text of each .SH section of a man page's troff source."""
    sections, current = [], []
    for raw in source.splitlines():
        if raw.startswith(('.\\"', "'\\\"", '.\\#')) or raw.strip() in (".", "'"):
            continue
        if SECTION.match(raw):
            if current:
                sections.append(" ".join(current))
            current = []
        line = MACRO.sub("", raw, count=1) if raw[:1] in ".'" else raw
        line = troff_text(line).replace('"', " ")
        if line.strip():
            current.append(line.strip())
    if current:
        sections.append(" ".join(current))
    return sections


def write_text(path, ids, texts):
    """JSON lines {"id", "text"}, gzipped, in the given order."""
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i, t in zip(ids, texts):
            f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
    return {"textFile": os.path.basename(path), "textSha256": sha256_file(path)}


def make_documents(args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    files = sorted(glob.glob(os.path.join(args.man_root, "man[1-8]", "*.gz")))
    if not files:
        raise Fail("no manual pages under %s/man[1-8]/*.gz (install man-db / manpages)" % args.man_root)
    docs, pages, redirects, unreadable = [], 0, 0, 0
    word = re.compile(r"[A-Za-z]{2,}")
    for path in files:
        try:
            with gzip.open(path, "rb") as f:
                source = f.read().decode("utf-8", errors="replace")
        except (OSError, EOFError):
            unreadable += 1
            continue
        if source.lstrip().startswith(".so "):
            redirects += 1
            continue
        pages += 1
        for text in man_sections(source):
            if len(word.findall(text)) >= args.min_words:
                docs.append(text)
    if len(docs) < 10:
        raise Fail("only %d documents of at least %d words found" % (len(docs), args.min_words))
    vectorizer = TfidfVectorizer(stop_words="english", max_features=args.vocabulary, min_df=2, max_df=0.5,
                                 sublinear_tf=True, token_pattern=TOKEN, dtype=np.float64)
    X = vectorizer.fit_transform(docs).tocsr()          # documents x terms
    keep = np.flatnonzero(X.getnnz(axis=1) > 0)
    order = np.random.default_rng(args.seed).permutation(keep)
    if args.max_documents:
        order = order[:args.max_documents]
    X = X[order]
    V = X.T.tocsc()                                     # terms x documents: one item per column
    V.sort_indices()
    sp.save_npz(args.out, V, compressed=True)
    stem = args.out[:-4] if args.out.endswith(".npz") else args.out
    terms = vectorizer.get_feature_names_out()
    with open(stem + ".vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(terms) + "\n")
    extra = write_text(args.text, ["s%d" % i for i in order], [docs[i] for i in order]) if args.text else {}
    return {**extra, "file": os.path.basename(args.out), "m": int(V.shape[0]), "n": int(V.shape[1]),
            "layout": "scipy.sparse CSC, rows = terms, columns = documents (items), float64",
            "source": "%s/man[1-8]/*.gz" % args.man_root, "manFiles": len(files), "pagesRead": pages,
            "soRedirectsSkipped": redirects, "unreadable": unreadable,
            "sectionsKept": len(docs), "emptyAfterVocabulary": int(len(docs) - len(keep)),
            "minWords": args.min_words, "seed": args.seed, "maxDocuments": args.max_documents,
            "tfidf": {"stop_words": "english", "max_features": args.vocabulary, "min_df": 2, "max_df": 0.5,
                      "sublinear_tf": True, "norm": "l2", "token_pattern": TOKEN},
            "nnz": int(V.nnz), "nnzPerColumn": float(V.nnz / V.shape[1]),
            "vocabularyFile": os.path.basename(stem + ".vocab.txt")}


# ----------------------------------------------------------------------------- paragraphs

PARAGRAPH = re.compile(r"^[.'][ \t]*(PP|P|LP|TP|IP|HP|SH|SS|Pp|Sh|Ss|It)\b")


def man_paragraphs(source):
    """The text of each paragraph of a man page's troff source (split at paragraph and section macros)."""
    paragraphs, current = [], []
    for raw in source.splitlines():
        if raw.startswith(('.\\"', "'\\\"", '.\\#')) or raw.strip() in (".", "'"):
            continue
        if PARAGRAPH.match(raw) or not raw.strip():
            if current:
                paragraphs.append(" ".join(current))
            current = []
            continue
        line = MACRO.sub("", raw, count=1) if raw[:1] in ".'" else raw
        line = troff_text(line).replace('"', " ")
        if line.strip():
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def text_paragraphs(path):
    """The blank-line separated paragraphs of a plain-text file."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]


def make_paragraphs(args):
    """Paragraphs of real English from what Debian ships: the manual pages (man1..man8) and the licenses
    and copyright notices (/usr/share/common-licenses, /usr/share/doc/*/copyright), TF-IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    files = sorted(glob.glob(os.path.join(args.man_root, "man[1-8]", "*.gz")))
    word = re.compile(r"[A-Za-z]{2,}")
    docs, seen = [], set()

    def keep(text):
        n = len(word.findall(text))
        if args.min_words <= n <= 400 and text not in seen:
            seen.add(text)
            docs.append(text)
    for path in files:
        try:
            with gzip.open(path, "rb") as f:
                source = f.read().decode("utf-8", errors="replace")
        except (OSError, EOFError):
            continue
        if source.lstrip().startswith(".so "):
            continue
        for text in man_paragraphs(source):
            keep(text)
    plain = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/share/doc/*/copyright"))
    for path in plain:
        for text in text_paragraphs(path):
            keep(text)
    vectorizer = TfidfVectorizer(stop_words="english", max_features=args.vocabulary, min_df=2, max_df=0.5,
                                 sublinear_tf=True, token_pattern=TOKEN, dtype=np.float64)
    X = vectorizer.fit_transform(docs).tocsr()
    keep_rows = np.flatnonzero(X.getnnz(axis=1) > 0)
    order = np.random.default_rng(args.seed).permutation(keep_rows)
    limit = args.max_documents or args.paragraphs
    order = order[:limit]
    V = X[order].T.tocsc()
    V.sort_indices()
    sp.save_npz(args.out, V, compressed=True)
    stem = args.out[:-4] if args.out.endswith(".npz") else args.out
    with open(stem + ".vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(vectorizer.get_feature_names_out()) + "\n")
    extra = write_text(args.text, ["p%d" % i for i in order], [docs[i] for i in order]) if args.text else {}
    return {**extra, "file": os.path.basename(args.out), "m": int(V.shape[0]), "n": int(V.shape[1]),
            "layout": "scipy.sparse CSC, rows = terms, columns = documents (items), float64",
            "source": "paragraphs of %s/man[1-8]/*.gz, /usr/share/common-licenses/*, /usr/share/doc/*/copyright"
                      % args.man_root, "paragraphsKept": len(docs), "minWords": args.min_words, "seed": args.seed,
            "tfidf": {"stop_words": "english", "max_features": args.vocabulary, "min_df": 2, "max_df": 0.5,
                      "sublinear_tf": True, "norm": "l2", "token_pattern": TOKEN},
            "nnz": int(V.nnz), "nnzPerColumn": float(V.nnz / V.shape[1])}


# ----------------------------------------------------------------------------- digits

def make_digits(args):
    from sklearn.datasets import load_digits
    d = load_digits()
    V = np.ascontiguousarray(d.data.T, dtype=np.float64)   # 64 x 1797
    np.save(args.out, V)
    return {"file": os.path.basename(args.out), "m": int(V.shape[0]), "n": int(V.shape[1]),
            "layout": "rows = pixels (8 x 8, row-major), columns = images (items), float64",
            "source": "sklearn.datasets.load_digits (shipped with scikit-learn)",
            "zeroColumns": int((np.abs(V).sum(axis=0) == 0).sum()), "max": float(V.max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["documents", "paragraphs", "digits"])
    ap.add_argument("--out", required=True, help="output file (.npz for documents, .npy for digits)")
    ap.add_argument("--man-root", default="/usr/share/man", help="documents: the manual's root (default /usr/share/man)")
    ap.add_argument("--vocabulary", type=int, default=20000, help="documents: at most this many terms (default 20000)")
    ap.add_argument("--paragraphs", type=int, default=60000,
                    help="paragraphs: keep this many documents of the shuffled order (default 60000)")
    ap.add_argument("--min-words", type=int, default=20, help="documents: words a section needs (default 20)")
    ap.add_argument("--seed", type=int, default=0, help="documents: seed of the shuffled order (default 0)")
    ap.add_argument("--max-documents", type=int, default=0,
                    help="documents: keep only the first N of the shuffled order (0 = all; for quick runs)")
    ap.add_argument("--text", help="documents, paragraphs: also write the kept documents' raw text here, as "
                    "gzipped JSON lines {\"id\", \"text\"} in the columns' order (must end with .jsonl.gz)")
    args = ap.parse_args()
    if args.text and (args.kind == "digits" or not args.text.endswith(".jsonl.gz")):
        raise Fail("--text is for documents and paragraphs, and must end with .jsonl.gz")
    want = ".npy" if args.kind == "digits" else ".npz"
    if not args.out.endswith(want):
        raise Fail("--out must end with %s for %s" % (want, args.kind))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    meta = (make_documents(args) if args.kind == "documents" else make_paragraphs(args) if args.kind == "paragraphs"
            else make_digits(args))
    meta["sha256"] = sha256_file(args.out)
    with open(args.out + ".json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    try:
        main()
    except Fail as e:
        print("make_data.py: error: %s" % e, file=sys.stderr)
        sys.exit(1)
