"""Quote attribution: who (source) said (cue) what (content), read by a tagger trained here on
PolNeAR (Newell, Margolin & Ruths, LREC 2018), linked to the article's actors.

The tagger is the NER recipe with another tag set (IOB2 over SOURCE, CUE, CONTENT; whole bodies in
sliding windows, :class:`~actorwire.entities.ner.TransformerNer`). Contents that only spaces
separate are one (:func:`_join_contents`). Spans become quotes around their cue, in text order:
each cue takes the nearest content span no earlier cue took and the nearest source span in its
paragraph (within :data:`REACH` characters, not across another cue; neither after the end of the
cue's sentence); a cue without content is no quote; a cue without a source that only a
coordination separates from the quote before ("rejected the accusation and told reporters …",
"…, accusing …") shares that quote's source. After "told" the addressee is not content ("told
reporters that …"). The speaker is the actor of a mention inside the source span (a name, or a
role noun the actor resolution tied to its holder: "the prime minister"): the name that opens
the phrase and a post-modifier follows ("China, a close ally of Pakistan,"), else the person who
heads the phrase ("Richard Dodd, director of the Countryside Alliance"; "Yukos spokesman Mike
Lake"), else the actor named last in it; a place speaks only as the whole source ("The Kremlin
said"; in "A federal court in Chicago" it is where, not who, so no one speaks); a source that is
a personal pronoun ("he said") is the person actor named last before it; anything else
("officials") stays unlinked (``speaker_actor_id`` null).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from pathlib import Path

from actorwire.entities.actors import overlap_finder
from actorwire.entities.ner import EntitySpan, TransformerNer, iob2_labels
from actorwire.messages import Actor, Mention, Quote, Span

ATTRIBUTION_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution"
ATTRIBUTION_LABELS = iob2_labels(["SOURCE", "CUE", "CONTENT"])
REACH = 300  # characters between a cue and its source or content span, at most
_PRONOUN = re.compile(r"^(?:he|she|they|him|her|i|we)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s")  # a sentence ends between a cue and a content span after it
_ENDS_SENTENCE = re.compile(r"[.!?][\"”’']?$")  # a content span that ends its sentence (:func:`_join_contents`)
_OPENING = "\"“‘'"  # what opens a quotation going on after it
# between a quote and the next cue of the same source: a coordination ("rejected the accusation and
# told reporters", "accused Russia …, and said", "rejected the call …, accusing the government")
_COORDINATED = re.compile(r"[ ,;]*(?:(?:and|but|while) +)?")
_TELL = re.compile(r"(?:told|tells?|telling)\b.*", re.IGNORECASE | re.DOTALL)
_ADDRESSEE = re.compile(r"(?:[\w'’.-]+\s+){1,4}?(?=that\s)")  # "reporters", "the summit", "a news conference"
_WHOLE = re.compile(r"\s*(?:[Tt]he\s+)?")  # what may stand before a place that is the whole source
# what may follow the person who heads a source phrase: its end, or a post-modifier ("Richard Dodd,
# regional director of the Countryside Alliance"; "Grant Wilson of Mellon Bank"); not a possessive
# or a role noun ("Merck's head of research Peter Kim", "Yukos spokesman Mike Lake": the person named
# last heads those)
_HEAD = re.compile(r"\s*(?:[.,;:]*\s*$|[,(\-–—]|(?:who|whose|of|from|at|for|with|in)\b)")


def link(body: str, spans: Sequence[EntitySpan], mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Quote]:
    """Quotes of ``body`` from tagged SOURCE/CUE/CONTENT spans (see the module docstring). ``spans``
    do not overlap (one IOB2 sequence). Lookups are binary searches, so an article of thousands of
    quotes costs O(n log n), not the cube of its cues."""
    kinds = {a.actor_id: a.kind for a in actors}
    named = sorted((m for m in mentions if m.field == "body" and m.actor_id), key=lambda m: m.start)
    named_starts = [m.start for m in named]
    persons = [m for m in named if kinds.get(m.actor_id) == "person"]
    person_ends = [m.end for m in persons]
    breaks = [m.start() for m in re.finditer("\n", body)]
    ordered = _join_contents(body, sorted(spans, key=lambda s: s.start))
    cues = [s for s in ordered if s.label == "CUE"]
    cue_starts = [c.start for c in cues]
    first_end = list(accumulate((c.end for c in reversed(cues)), min))[::-1]  # first_end[k]: min end of cues[k:]
    by_label = {label: [s for s in ordered if s.label == label] for label in ("SOURCE", "CONTENT")}
    ends = {label: [s.end for s in found] for label, found in by_label.items()}
    claimed: set[EntitySpan] = set()

    def clear(lo: int, hi: int) -> bool:
        """No line break and no whole cue inside ``[lo, hi)``."""
        k = bisect_left(cue_starts, lo)
        return not (bisect_left(breaks, lo) < bisect_left(breaks, hi) or k < len(cues) and first_end[k] <= hi)

    def nearest(cue: EntitySpan, label: str) -> EntitySpan | None:
        found = by_label[label]
        best, best_gap = None, REACH + 1
        # candidates end at most REACH before the cue and start at most REACH after it, in text order
        for s in found[bisect_left(ends[label], cue.start - REACH) :]:
            if s.start > cue.end + REACH:
                break
            if s in claimed:
                continue
            lo, hi = (s.end, cue.start) if s.end <= cue.start else (cue.end, s.start)
            if lo == cue.end and _SENTENCE_END.search(body, lo, hi):
                continue  # the next sentence's content or source ('…," A said. "…," B said.')
            if lo <= hi < lo + best_gap and clear(lo, hi):
                best, best_gap = s, hi - lo
        return best

    quotes = []
    for cue in cues:
        content = nearest(cue, "CONTENT")
        if content is None:
            continue
        claimed.add(content)
        start = content.start
        if _TELL.fullmatch(body, cue.start, cue.end) and (addressee := _ADDRESSEE.match(body, start, content.end)):
            start = addressee.end()  # "told [reporters] that …": whom it was told is not what
        source = nearest(cue, "SOURCE")
        if source is None and quotes and quotes[-1].source is not None and _COORDINATED.fullmatch(
                body, max(quotes[-1].cue.end, quotes[-1].content.end), cue.start):
            # "Peskov rejected the accusation and told reporters …": the source of the quote before
            quotes.append(quotes[-1].model_copy(update={"cue": Span(field="body", start=cue.start, end=cue.end),
                                                        "content": Span(field="body", start=start, end=content.end)}))
            continue
        speaker = None
        if source is not None:
            inside = named[bisect_left(named_starts, source.start) : bisect_left(named_starts, source.end)]
            inside = [m for m in inside if m.end <= source.end]
            # a place speaks only when it is the whole source ("The Kremlin said", "Downing Street
            # said"); named inside the phrase it is where, not who ("A federal court in Chicago")
            inside = [m for m in inside if kinds.get(m.actor_id) != "location"
                      or _WHOLE.fullmatch(body, source.start, m.start) and _HEAD.match(body, m.end, source.end)]
            if inside:
                opening = inside[0] if _WHOLE.fullmatch(body, source.start, inside[0].start) else None
                speaker = next((m for m in inside if (m is opening or kinds.get(m.actor_id) == "person")
                                and _HEAD.match(body, m.end, source.end)), inside[-1]).actor_id
            elif _PRONOUN.match(body[source.start : source.end].strip()):
                k = bisect_right(person_ends, source.start)
                speaker = persons[k - 1].actor_id if k else None
        quotes.append(Quote(
            speaker_actor_id=speaker, cue=Span(field="body", start=cue.start, end=cue.end),
            content=Span(field="body", start=start, end=content.end),
            source=Span(field="body", start=source.start, end=source.end) if source else None))
    return quotes


def _join_contents(body: str, ordered: Sequence[EntitySpan]) -> list[EntitySpan]:
    """``ordered`` with CONTENT spans that only spaces separate joined into one (score: the lower),
    unless the first ends a sentence and the second is not a quotation going on.

    The tagger learned contents split around the attributions nested in them (PolNeAR fragments,
    :func:`~actorwire.training.attribution.flat_spans`), so it restarts a content where a clause
    or a quoted sentence begins: "praised [Iceland for] [what she called a fair compromise]",
    "told [the summit] [that Cairo would not accept …]", "[\"We all know …] [\"I'm lucky …\"]".
    A quote's content is the whole of it; "[… about that.\"] [Full details will …]" are two."""
    out: list[EntitySpan] = []
    for span in ordered:
        last = out[-1] if out else None
        if (span.label == "CONTENT" and last is not None and last.label == "CONTENT"
                and body[last.end : span.start].strip(" ") == ""
                and not (_ENDS_SENTENCE.search(body, last.start, last.end) and body[span.start] not in _OPENING)):
            out[-1] = EntitySpan(last.start, span.end, "CONTENT", min(last.score, span.score))
        else:
            out.append(span)
    return out


def speaker_mentions(body: str, quotes: Sequence[Quote], mentions: Sequence[Mention]) -> list[Mention]:
    """Linked quote sources that are not already a mention ("he said", "she told"), as mentions of
    their speaker, so that stance reads "he accused Y" as the speaker against Y. For the stance
    model's pairing only; they are not published as mentions."""
    labels = {m.actor_id: m.label for m in mentions if m.actor_id}
    taken = overlap_finder((m.start, m.end) for m in mentions if m.field == "body")
    out = []
    for q in quotes:
        if q.speaker_actor_id and q.source and not taken(q.source.start, q.source.end):
            out.append(Mention(text=body[q.source.start : q.source.end], label=labels.get(q.speaker_actor_id, "PER"),
                               field="body", start=q.source.start, end=q.source.end, score=1.0,
                               actor_id=q.speaker_actor_id))
    return out


class AttributionTagger:
    """The packaged PolNeAR tagger (``actorwire train attribution``). ``runtime`` as for NER
    (:mod:`actorwire.runtime`). Raises ``FileNotFoundError`` when the artifact is missing."""

    def __init__(self, model_dir: Path = ATTRIBUTION_MODEL_DIR, runtime: str = "onnx-int8",
                 cache_dir: Path | None = None, threads: int | None = None):
        self.tagger = TransformerNer(model_dir, runtime=runtime, cache_dir=cache_dir, threads=threads,
                                     labels=ATTRIBUTION_LABELS, command="actorwire train attribution")
        self.name, self.version = self.tagger.name, self.tagger.version

    def quotes(self, body: str, mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Quote]:
        """Attributed quotes of one body (spans in body coordinates)."""
        return link(body, self.tagger.predict([body])[0], mentions, actors) if body.strip() else []
