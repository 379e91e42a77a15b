"""The lexicon baselines for quotes and stance (rules; the trained PolNeAR attribution tagger of
:mod:`actorwire.sentiment.attribution` and DSA model of :mod:`actorwire.sentiment.directed` are the
defaults and beat them, see their model cards).

* Quotes: a quoted passage plus a speech verb (``said``, ``told``, ``added``...) and a speaker in the
  same or the next clause: a named actor mention, or a pronoun / role noun resolved to the most
  recent person actor.
* Stance: within one sentence, ``HOLDER <verb> TARGET`` where the verb is in a favor lexicon
  (backs, supports, praises...) or an against lexicon (accuses, condemns, severed relations with...);
  the holder is the nearest actor mention before the verb, the target the nearest after it.
  SemEval-2016 labels; the evidence is the sentence; confidence is fixed per rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from actorwire.messages import Actor, Mention, Quote, Span, Stance

SPEECH_VERBS = r"(?:said|says|told|added|stated|declared|warned|insisted|claimed|argued|noted|stressed|recalled|wrote|tweeted)"
FAVOR = r"(?:back(?:s|ed|ing)?|support(?:s|ed|ing)?|prais(?:e|es|ed|ing)|endors(?:e|es|ed|ing)|welcom(?:e|es|ed|ing)|defend(?:s|ed|ing)?|allied with|sided with|thank(?:s|ed)?|congratulat(?:e|es|ed))"
AGAINST = (r"(?:accus(?:e|es|ed|ing)|condemn(?:s|ed|ing)?|criticis(?:e|es|ed|ing)|criticiz(?:e|es|ed|ing)|blam(?:e|es|ed|ing)|"
           r"denounc(?:e|es|ed|ing)|attack(?:s|ed|ing)?|sanction(?:s|ed|ing)?|oppos(?:e|es|ed|ing)|reject(?:s|ed|ing)?|"
           r"threaten(?:s|ed|ing)?|severed (?:diplomatic )?(?:relations|ties) with|cut ties with|sued|expel(?:s|led)?|"
           r"invad(?:e|es|ed|ing)|struck|bomb(?:s|ed|ing)?|warned)")
_QUOTE = re.compile(r"[\"“]([^\"“”]{12,}?)[\"”]")
_QUOTE_MARK = re.compile(r"[\"“”]")
_PRONOUN = re.compile(r"\b(he|she|they)\b", re.IGNORECASE)


class LexiconQuotes:
    """The attribution baseline (``ACTORWIRE_ATTRIBUTION_MODEL=rules``): :func:`find_quotes` behind the
    attribution model interface."""

    name = "quote-lexicon"
    version = "1"

    def quotes(self, body: str, mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Quote]:
        """See :func:`find_quotes`."""
        return find_quotes(body, mentions, actors)


def find_quotes(body: str, mentions: Sequence[Mention], actors: Sequence[Actor]) -> list[Quote]:
    """Attributed quotes in ``body`` (spans in body coordinates).

    Shapes: ``"…," X said`` / ``"…," said X`` (cue after the quote) and ``X said: "…"`` (cue
    before). The speaker is the actor mention between quote and cue, else the one right after the
    cue; a pronoun or role noun there resolves to the most recent person named before the quote.
    """
    kinds = {a.actor_id: a.kind for a in actors}
    named = sorted((m for m in mentions if m.field == "body" and m.actor_id), key=lambda m: m.start)
    quotes = []
    for q in _QUOTE.finditer(body):
        after = re.match(rf"[\s,.]*(?P<who>[^\"“.;]{{0,60}}?)\b(?P<cue>{SPEECH_VERBS})\b(?P<tail>[^\"“.;]{{0,40}})",
                         body[q.end():])
        if after:
            base = q.end()
            cue_start, cue_end = base + after.start("cue"), base + after.end("cue")
            window = [(base + after.start("who"), cue_start), (cue_end, base + after.end("tail"))]
        else:
            before = re.search(rf"(?P<who>[^\"“.;]{{0,60}}?)\b(?P<cue>{SPEECH_VERBS})\b[^\"“.;]{{0,20}}[:,]?\s*$",
                               body[max(0, q.start() - 100) : q.start()])
            if not before:
                continue
            base = max(0, q.start() - 100)
            cue_start, cue_end = base + before.start("cue"), base + before.end("cue")
            window = [(base + before.start("who"), cue_start)]
        speaker = None
        for lo, hi in window:
            inside = [m for m in named if lo <= m.start and m.end <= hi]
            if inside:
                speaker = (inside[-1] if hi == cue_start else inside[0]).actor_id
                break
        if speaker is None and any(_PRONOUN.search(body[lo:hi]) or "minister" in body[lo:hi].lower() for lo, hi in window):
            earlier = [m for m in named if m.start < q.start() and kinds.get(m.actor_id) == "person"]
            speaker = earlier[-1].actor_id if earlier else None
        quotes.append(Quote(speaker_actor_id=speaker, cue=Span(field="body", start=cue_start, end=cue_end),
                            content=Span(field="body", start=q.start(1), end=q.end(1))))
    return quotes


class LexiconStance:
    """The stance baseline (``ACTORWIRE_STANCE_MODEL=rules``): :func:`find_stances` behind the stance model interface."""

    name = "stance-lexicon"
    version = "1"

    def stances(self, texts: dict[str, str], sentences: Sequence[Span], mentions: Sequence[Mention]) -> list[Stance]:
        """See :func:`find_stances`."""
        return find_stances(texts, sentences, mentions)


def find_stances(texts: dict[str, str], sentences: Sequence[Span], mentions: Sequence[Mention]) -> list[Stance]:
    """Holder → target stances from lexical cues inside each sentence; one edge per (holder, target, label)."""
    edges: dict[tuple[str, str, str], Stance] = {}
    for sent in sentences:
        text = texts[sent.field]
        inside = sorted((m for m in mentions if m.field == sent.field and m.actor_id
                         and sent.start <= m.start and m.end <= sent.end), key=lambda m: m.start)
        if len({m.actor_id for m in inside}) < 2:
            continue
        for label, pattern, confidence in (("favor", FAVOR, 0.6), ("against", AGAINST, 0.6)):
            for cue in re.finditer(rf"\b{pattern}\b", text[sent.start : sent.end], re.IGNORECASE):
                at = sent.start + cue.start()
                # the holder ends within 80 characters before the cue, the target starts within
                # 30 after it ("severed relations with Ukraine", "accused the EU of"), with no quotation mark between (another clause or speaker otherwise)
                holders = [m for m in inside if at - 80 <= m.end <= at and not _QUOTE_MARK.search(text[m.end : at])]
                after = sent.start + cue.end()
                targets = [m for m in inside if after <= m.start <= after + 30
                           and not _QUOTE_MARK.search(text[after : m.start])]
                if not holders or not targets or holders[-1].actor_id == targets[0].actor_id:
                    continue
                key = (holders[-1].actor_id, targets[0].actor_id, label)
                edges.setdefault(key, Stance(source_actor_id=key[0], target_actor_id=key[1], label=label,
                                             confidence=confidence, evidence=Span(field=sent.field, start=sent.start, end=sent.end)))
    return list(edges.values())
