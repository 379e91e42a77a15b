"""Readers for the evaluation and training sets in ``../shared/data`` (never shipped with the code).

Each reader documents the file format it expects; see each folder's README.txt for sources and licences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ConllDocument:
    """One CoNLL-2003 document: sentences of (token, IOB2 tag) pairs.

    ``text`` joins tokens with single spaces and sentences with newlines (the harness of issue #3);
    ``token_spans[s][t]`` is the ``[start, end)`` of token t of sentence s in ``text``.
    """

    sentences: list[list[tuple[str, str]]]

    @property
    def text(self) -> str:
        return "\n".join(" ".join(tok for tok, _ in sent) for sent in self.sentences)

    @property
    def token_spans(self) -> list[list[tuple[int, int]]]:
        spans, pos = [], 0
        for sent in self.sentences:
            row = []
            for tok, _ in sent:
                row.append((pos, pos + len(tok)))
                pos += len(tok) + 1
            spans.append(row)
        return spans

    @property
    def tags(self) -> list[list[str]]:
        return [[tag for _, tag in sent] for sent in self.sentences]


def read_conll(path: str | Path) -> list[ConllDocument]:
    """Read a CoNLL-2003 file (``token POS chunk NER`` per line, blank line between sentences,
    ``-DOCSTART-`` between documents, IOB2 tags). Raises ``ValueError`` on a malformed line."""
    docs: list[ConllDocument] = []
    sentences: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []

    def close_sentence():
        nonlocal sent
        if sent:
            sentences.append(sent)
            sent = []

    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith("-DOCSTART-"):
            close_sentence()
            if sentences:
                docs.append(ConllDocument(sentences))
                sentences = []
            continue
        if not line:
            close_sentence()
            continue
        parts = line.split()
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected 'token ... tag', got {line!r}")
        sent.append((parts[0], parts[-1]))
    close_sentence()
    if sentences:
        docs.append(ConllDocument(sentences))
    return docs


def spans_to_tags(doc: ConllDocument, spans: list[tuple[int, int, str]]) -> list[list[str]]:
    """Project character spans ``(start, end, label)`` in ``doc.text`` onto its tokens as IOB2 tags.

    A token belongs to a span when their characters overlap; used to score predicted spans with
    the standard conlleval-style scorer (seqeval) at exact span and label match.
    """
    token_spans = doc.token_spans
    tags = [["O"] * len(row) for row in token_spans]
    flat = [(s, t, a, b) for s, row in enumerate(token_spans) for t, (a, b) in enumerate(row)]
    for start, end, label in sorted(spans):
        first = True
        for s, t, a, b in flat:
            if a < end and b > start:
                tags[s][t] = ("B-" if first else "I-") + label
                first = False
    return tags


NEWSMTSC_POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}  # negative, neutral, positive


def read_newsmtsc(path: str | Path) -> list[tuple[str, int, int, int]]:
    """NewsMTSC ``original/*.jsonl`` as (sentence, target start, target end, label id) per target;
    polarity 2.0/4.0/6.0 → 0/1/2 (negative/neutral/positive)."""
    import json

    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        for target in record["targets"]:
            rows.append((record["sentence_normalized"], target["from"], target["to"],
                         NEWSMTSC_POLARITY[float(target["polarity"])]))
    return rows


def read_dsa(path: str | Path) -> list[tuple[str, tuple[int, int], tuple[int, int], int]]:
    """DSA (Park, Pan & Joo, Findings of ACL 2021) ``*.txt`` as (sentence, first span, second span,
    label) with the bracket marks removed and spans in reading order.

    File format: ``sentence<TAB>p<TAB>q<TAB>label``, both entities bracketed ``[..]`` in the sentence;
    label 0 neutral, 1 positive p→q, 2 positive p←q, 3 negative p→q, 4 negative p←q. p is the first
    bracket in every row of the published splits, so labels read first → second span. Raises
    ``ValueError`` on a line without four fields or two brackets.
    """
    import re

    rows = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        marks = list(re.finditer(r"\[([^\[\]]*)\]", fields[0])) if len(fields) == 4 else []
        if len(marks) != 2:
            raise ValueError(f"{path}:{lineno}: expected 'sentence<TAB>p<TAB>q<TAB>label' with two [..] entities")
        sentence = fields[0]
        first = (marks[0].start(), marks[0].end() - 2)  # in the text without the first pair of brackets
        second = (marks[1].start() - 2, marks[1].end() - 4)
        clean = sentence[: marks[0].start()] + marks[0].group(1) + sentence[marks[0].end() : marks[1].start()] \
            + marks[1].group(1) + sentence[marks[1].end():]
        rows.append((clean, first, second, int(fields[3])))
    return rows


PERSENT_LABELS = {"Negative": 0, "Neutral": 1, "Positive": 2}


def read_persent(path: str | Path) -> list[tuple[str, str, str, int]]:
    """PerSenT (Bastan et al., COLING 2020) ``*.csv`` as (title, document, main person, label id);
    label Negative/Neutral/Positive → 0/1/2, the author's sentiment toward that person over the
    whole document. Raises ``KeyError`` when a column is missing."""
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        return [(r["TITLE"], r["DOCUMENT"], r["TARGET_ENTITY"], PERSENT_LABELS[r["TRUE_SENTIMENT"]])
                for r in csv.DictReader(f)]


ATTRIBUTION_TYPES = ("Source", "Cue", "Content")


@dataclass
class AttributedArticle:
    """One PolNeAR article: its text, the Source/Cue/Content spans of its attributions (one
    ``(start, end, type)`` per fragment of a discontinuous span) and the attributions as
    ``{type: [fragments]}`` dicts (a source may be missing: ``"it is said"``)."""

    article_id: str
    text: str
    spans: list[tuple[int, int, str]]
    attributions: list[dict[str, list[tuple[int, int]]]]


def read_polnear(split_dir: str | Path) -> list[AttributedArticle]:
    """PolNeAR v1.0 (Newell, Margolin & Ruths, LREC 2018) split folder: ``text/<article>.txt`` and
    BRAT standoff ``attributions/<article>_<annotator>.ann``.

    Of a doubly annotated article the first annotation file (by name) is read. T-lines typed
    Source, Cue or Content give spans (``start end[;start end…]``, character offsets into the text);
    E-lines tie them into attributions. Other lines (``Attribution`` triggers, annotator notes, the
    continuation lines of multi-line span texts) are skipped. Raises ``FileNotFoundError`` when an
    annotation has no text file.
    """
    import re

    split_dir = Path(split_dir)
    files: dict[str, Path] = {}
    for ann in sorted((split_dir / "attributions").glob("*.ann")):
        files.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    line_re = re.compile(r"^(T\d+)\t(Source|Cue|Content) ([\d ;]+)\t")
    articles = []
    for article_id, ann in files.items():
        text = (split_dir / "text" / f"{article_id}.txt").read_text(encoding="utf-8")
        spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
        events = []
        for line in ann.read_text(encoding="utf-8").splitlines():
            if m := line_re.match(line):
                frags = [tuple(int(x) for x in f.split()) for f in m.group(3).split(";")]
                spans[m.group(1)] = (m.group(2), [(a, b) for a, b in frags if 0 <= a < b <= len(text)])
            elif line.startswith("E") and "\t" in line:
                events.append(dict(part.split(":", 1) for part in line.split("\t", 1)[1].split() if ":" in part))
        attributions = [{kind: spans[tid][1] for kind, tid in ev.items() if kind in ATTRIBUTION_TYPES and tid in spans}
                        for ev in events]
        flat = sorted({(a, b, kind) for kind, frags in spans.values() for a, b in frags})
        articles.append(AttributedArticle(article_id, text, flat, [a for a in attributions if a]))
    return articles
