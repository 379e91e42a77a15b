"""Quote attribution: who (source) said (cue) what (content), read by a tagger trained here on
PolNeAR (Newell, Margolin & Ruths, LREC 2018), linked to the article's actors.

The tagger is the NER recipe with another tag set (IOB2 over SOURCE, CUE, CONTENT; whole bodies in
sliding windows, :class:`~actorwire.entities.ner.TransformerNer`). Spans become quotes around their
cue, in text order: each cue takes the nearest content span no earlier cue took and the nearest
source span in its paragraph (within :data:`REACH` characters, not across another cue); a cue
without content is no quote. The speaker
is the actor of a mention inside the source span (a name, or a role noun the actor resolution tied
to its holder: "the prime minister"); a source that is a personal pronoun ("he said") is the person
actor named last before it; anything else ("officials") stays unlinked (``speaker_actor_id`` null).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from actorwire.entities.ner import EntitySpan, TransformerNer, iob2_labels
from actorwire.messages import Actor, Mention, Quote, Span

ATTRIBUTION_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution"
ATTRIBUTION_LABELS = iob2_labels(["SOURCE", "CUE", "CONTENT"])
REACH = 300  # characters between a cue and its source or content span, at most
_PRONOUN = re.compile(r"^(?:he|she|they|him|her|i|we)$", re.IGNORECASE)


def link(body: str, spans: Sequence[EntitySpan], mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Quote]:
    """Quotes of ``body`` from tagged SOURCE/CUE/CONTENT spans (see the module docstring)."""
    kinds = {a.actor_id: a.kind for a in actors}
    named = sorted((m for m in mentions if m.field == "body" and m.actor_id), key=lambda m: m.start)
    cues = [s for s in spans if s.label == "CUE"]

    claimed: set[EntitySpan] = set()

    def nearest(cue: EntitySpan, label: str) -> EntitySpan | None:
        best, best_gap = None, REACH + 1
        for s in spans:
            if s.label != label or s in claimed:
                continue
            lo, hi = (s.end, cue.start) if s.end <= cue.start else (cue.end, s.start)
            if lo > hi or "\n" in body[lo:hi] or any(lo <= c.start and c.end <= hi for c in cues if c is not cue):
                continue
            if hi - lo < best_gap:
                best, best_gap = s, hi - lo
        return best

    quotes = []
    for cue in cues:
        content = nearest(cue, "CONTENT")
        if content is None:
            continue
        claimed.add(content)
        source = nearest(cue, "SOURCE")
        speaker = None
        if source is not None:
            inside = [m for m in named if source.start <= m.start and m.end <= source.end]
            if inside:
                speaker = inside[-1].actor_id
            elif _PRONOUN.match(body[source.start : source.end].strip()):
                earlier = [m for m in named if m.end <= source.start and kinds.get(m.actor_id) == "person"]
                speaker = earlier[-1].actor_id if earlier else None
        quotes.append(Quote(
            speaker_actor_id=speaker, cue=Span(field="body", start=cue.start, end=cue.end),
            content=Span(field="body", start=content.start, end=content.end),
            source=Span(field="body", start=source.start, end=source.end) if source else None))
    return quotes


def speaker_mentions(body: str, quotes: Sequence[Quote], mentions: Sequence[Mention]) -> list[Mention]:
    """Linked quote sources that are not already a mention ("he said", "she told"), as mentions of
    their speaker, so that stance reads "he accused Y" as the speaker against Y. For the stance
    model's pairing only; they are not published as mentions."""
    labels = {m.actor_id: m.label for m in mentions if m.actor_id}
    out = []
    for q in quotes:
        if q.speaker_actor_id and q.source and not any(
                m.field == "body" and m.start < q.source.end and q.source.start < m.end for m in mentions):
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
