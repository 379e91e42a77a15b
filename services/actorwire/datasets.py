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
