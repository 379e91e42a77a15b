"""The enrichment pipeline as plain functions over batches, shared by the stream workers and the
offline ``actorwire enrich`` command, so both produce identical records.

Stages (spaCy-style named components, chosen in :class:`~actorwire.settings.Settings`):

``prepare``   ninjs → metadata, plain text, status, sentences (no model)

Newswire semantics (issue #6), decided in ``prepare``: ``pubStatus`` withheld/canceled → status
``retracted``; an embargo in the future with ``embargo="hold"`` → status ``embargoed`` (the entity
worker parks the item on ``topics.embargoed`` until its time, see :mod:`actorwire.embargo`); an
older version of a uri arriving after a newer one → status ``superseded`` with ``superseded_by``
(versions compared by :func:`~actorwire.messages.version_order`). None of these is analysed.
``entities``  NER (``ner_model``: ``minilm`` | ``spacy``) → actor resolution          → EntityStage
``enrich``    target sentiment (``sentiment_model``), quotes (``attribution_model``), stance (``stance_model``),
              tone (VADER) → EnrichedArticle

Model calls are batched per article (see :meth:`Pipeline.entities`) and CPU-bound: callers run them
off the event loop.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, cached_property

from actorwire.messages import (ActorEvent, ArticleMeta, ArticleText, EnrichedArticle, EntityStage, Mention,
                                ModelInfo, NinjsItem, Span, version_order)
from actorwire.settings import PIPELINE_VERSION, Settings, get_settings
from actorwire.text import parse_date, rfc3339, to_plain

log = logging.getLogger("actorwire.pipeline")

NER_MODELS: dict[str, Callable[[Settings], object]] = {}
SENTIMENT_MODELS: dict[str, Callable[[Settings], object]] = {}
STANCE_MODELS: dict[str, Callable[[Settings], object]] = {}
ATTRIBUTION_MODELS: dict[str, Callable[[Settings], object]] = {}


def register(table: dict[str, Callable[[Settings], object]], name: str):
    """Decorator adding a model factory ``factory(settings) -> model`` to a registry under ``name``."""
    def wrap(factory):
        table[name] = factory
        return factory
    return wrap


def _runtime(settings: Settings, runtime: str) -> dict:
    """Keyword arguments every packaged transformer model takes: its ``runtime``, the graph cache and
    the thread budget of the worker."""
    return {"runtime": runtime, "cache_dir": settings.model_cache_dir, "threads": settings.worker.torch_threads}


@register(NER_MODELS, "minilm")
def _minilm_ner(settings: Settings):
    from actorwire.entities.ner import TransformerNer
    return TransformerNer(**_runtime(settings, settings.inference))


@register(NER_MODELS, "spacy")
def _spacy_ner(settings: Settings):
    from actorwire.entities.ner import SpacyNer
    return SpacyNer()


@register(SENTIMENT_MODELS, "minilm")
def _minilm_tsc(settings: Settings):
    from actorwire.sentiment.tsc import TransformerTargetSentiment
    return TransformerTargetSentiment(**_runtime(settings, settings.sentiment_inference))


@register(SENTIMENT_MODELS, "vader")
def _vader(settings: Settings):
    from actorwire.sentiment.targets import VaderSentiment
    return VaderSentiment()


@register(STANCE_MODELS, "minilm")
def _minilm_dsa(settings: Settings):
    from actorwire.sentiment.directed import DirectedSentiment
    return DirectedSentiment(**_runtime(settings, settings.stance_inference))


@register(STANCE_MODELS, "rules")
def _stance_rules(settings: Settings):
    from actorwire.sentiment.stance import LexiconStance
    return LexiconStance()


@register(ATTRIBUTION_MODELS, "minilm")
def _minilm_attribution(settings: Settings):
    from actorwire.sentiment.attribution import AttributionTagger
    return AttributionTagger(**_runtime(settings, settings.inference))


@register(ATTRIBUTION_MODELS, "rules")
def _attribution_rules(settings: Settings):
    from actorwire.sentiment.stance import LexiconQuotes
    return LexiconQuotes()


# articles handed to the models at once by the entity and sentiment workers (``Stage.chunk``). The
# models batch inside an article (windows, mentions, pairs); batching across articles gained nothing
# on the 2-core machine (100 BBC articles with 1 or 2 threads: batches of 1, 4 and 16 within 5% of
# each other), while every article of a batch waited for its slowest one: p99 publish-to-enriched
# 3.05 s with batches of 16, 2.16 s one article at a time (issue #7, bench/pipeline_speed.py)
ARTICLES_AT_ONCE = 1

# Language identification (py3langid with normalised probabilities) of items without ``language``.
# A wire flash of a few words is often misread (short English as Kikuyu or Nigerian Pidgin), so a
# best guess below LANGUAGE_CONFIDENCE is not trusted: the item is taken to be in the feed's language,
# the first of ``settings.languages``, unless the model gives that language almost no chance (below
# LANGUAGE_FLOOR: a text in another script, such as Arabic, keeps its own language).
LANGUAGE_CONFIDENCE = 0.8
LANGUAGE_FLOOR = 0.001
# spaCy's tokenizer takes time quadratic in the length of a run of punctuation or symbols without
# spaces (a hostile "<<<…" of 30,000 characters took two minutes; runs of 64 cost nothing): the
# sentencizer reads any longer run as one plain word of the same length, keeping a final . ! or ?,
# so offsets stay and no sentence ends inside a URL or a row of symbols
_LONG_RUN = re.compile(r"\S{65,}")


def _one_word(run: re.Match) -> str:
    text = run.group()
    return "x" * (len(text) - 1) + (text[-1] if text[-1] in ".!?" else "x")


@cache
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, default: str | None) -> str:
    """ISO 639 code of ``text``; ``default`` (the feed's language) when the best guess is unsure."""
    ranked = _language_identifier().rank(text)
    best, confidence = ranked[0]
    if confidence >= LANGUAGE_CONFIDENCE or default is None or dict(ranked).get(default, 0.0) < LANGUAGE_FLOOR:
        return best
    return default


class VersionMemory:
    """The highest version seen per uri, least recently seen uris forgotten past ``capacity``.

    :meth:`observe` returns the newer version that supersedes the one given, or ``None`` (and
    remembers the given one when it is the newest). Equal versions are replays, not superseded.
    What a :meth:`transaction` observed is forgotten when it raises.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._newest: OrderedDict[str, tuple[tuple[int, ...], str]] = OrderedDict()
        self._undo: list[tuple[str, tuple[tuple[int, ...], str] | None]] | None = None

    def observe(self, uri: str, version: str) -> str | None:
        order = version_order(version)
        if order is None:
            return None
        known = self._newest.get(uri)
        if known is not None and known[0] > order:
            self._newest.move_to_end(uri)
            return known[1]
        self._log(uri, known)
        self._newest[uri] = (order, version)
        self._newest.move_to_end(uri)
        if len(self._newest) > self.capacity:
            self._log(*self._newest.popitem(last=False))
        return None

    def _log(self, uri: str, known: tuple[tuple[int, ...], str] | None) -> None:
        if self._undo is not None:
            self._undo.append((uri, known))

    @contextmanager
    def transaction(self):
        """Versions observed inside are forgotten again (the ones they replaced restored) when
        it raises: a batch that fails and is retried record by record must not find its own later
        versions already seen (hostile-input trial: version 1 came out superseded by the version 2
        of its failed batch, or enriched, depending on where batches were cut). Nests."""
        outer = self._undo is not None
        undo = self._undo = self._undo if outer else []
        mark = len(undo)
        try:
            yield
        except BaseException:
            for uri, known in reversed(undo[mark:]):
                if known is None:
                    self._newest.pop(uri, None)
                else:
                    self._newest[uri] = known
            del undo[mark:]
            raise
        finally:
            if not outer:
                self._undo = None


class Pipeline:
    """Batch enrichment with lazily loaded models (a worker loads only what its stage needs).

    Not thread-safe: each worker calls it from its single inference thread.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.versions = VersionMemory(self.settings.worker.version_memory)

    @cached_property
    def ner(self):
        return NER_MODELS[self.settings.ner_model](self.settings)

    @cached_property
    def sentiment(self):
        return SENTIMENT_MODELS[self.settings.sentiment_model](self.settings)

    @cached_property
    def stance(self):
        return STANCE_MODELS[self.settings.stance_model](self.settings)

    @cached_property
    def attribution(self):
        return ATTRIBUTION_MODELS[self.settings.attribution_model](self.settings)

    @cached_property
    def tone_model(self):
        """Article tone is a lexicon figure like GDELT's tone, whatever scores the actors: VADER."""
        return self.sentiment if self.settings.sentiment_model == "vader" else SENTIMENT_MODELS["vader"](self.settings)

    @cached_property
    def _sentencizer(self):
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        return nlp

    def warm_up(self, stage: str) -> None:
        """Load the models of ``stage`` (``entities`` or ``enrich``) now rather than on the first batch."""
        if stage == "entities":
            self.ner.predict(["Warm-up in Paris."])
        else:
            self.sentiment.predict([])
            self.tone_model.predict([])
            self.stance.stances({}, [], [])
            self.attribution.quotes("Warm-up, he said.", [], [])

    # -- prepare -------------------------------------------------------------------------------
    def prepare(self, item: NinjsItem) -> EntityStage:
        """Metadata, plain text, status and sentence spans of one item (no model involved).

        Items must come in the order of their source (a partition, a file): supersession depends
        on the versions seen before (:attr:`versions`)."""
        headline = next((to_plain(h.value, h.content_type) for h in item.headlines if h.value.strip()), "")
        bodies = [to_plain(b.value, b.content_type) for b in item.bodies if b.value.strip()]
        body = "\n\n".join(b for b in bodies if b)
        headline = " ".join(headline.split())
        published = None
        for value in (item.version_created, item.first_created):
            if value:
                try:
                    published = rfc3339(parse_date(value))
                    break
                except ValueError as exc:  # the article stays undated; say so (it was silent)
                    log.warning("%s: date not read, %s", item.uri[:200], exc)
        # "EN-gb", "en_US" → "en"; blank, or no BCP 47 primary subtag ("en\x00", "??"), → detected
        language = re.split(r"[-_]", (item.language or "").strip(), maxsplit=1)[0].lower()
        language = language if re.fullmatch(r"[a-z]{2,8}", language) else None
        # every version counts for supersession, held ones too: the rebuild after a restart
        # (entities.worker.remember_version) cannot tell which were held
        if superseded_by := self.versions.observe(item.uri, item.version):
            status = "superseded"
        elif (self.settings.embargo == "hold" and item.embargoed
                and parse_date(item.embargoed) > datetime.now(UTC)):
            status = "embargoed"
        elif item.pub_status != "usable":
            status = "retracted"
        elif not any(c.isalnum() for c in headline) and not any(c.isalnum() for c in body):
            status = "no_text"  # nothing to read: blank, or only zero-width characters and punctuation
        else:
            if language is None:
                language = detect_language(f"{headline}\n{body[:2000]}", next(iter(self.settings.languages), None))
            status = "enriched" if language in self.settings.languages else "unsupported_language"
        meta = ArticleMeta(article_id=item.uri, version=item.version, published_at=published, language=language,
                           status=status, pipeline_version=PIPELINE_VERSION, embargoed=item.embargoed,
                           superseded_by=superseded_by)
        sentences = self._sentences(headline, body) if status == "enriched" else []
        return EntityStage(meta=meta, text=ArticleText(headline=headline, body=body), sentences=sentences)

    def _sentences(self, headline: str, body: str) -> list[Span]:
        """Sentence spans: the headline is one; body lines (paragraphs, subheadings, captions)
        never share a sentence, and spaCy's rule-based sentencizer splits each line."""
        spans = [Span(field="headline", start=0, end=len(headline))] if headline else []
        lines, pos = [], 0
        for line in body.split("\n"):
            if line.strip():
                lines.append((pos, line))
            pos += len(line) + 1
        for (offset, _), doc in zip(lines, self._sentencizer.pipe(_LONG_RUN.sub(_one_word, line) for _, line in lines)):
            for sent in doc.sents:
                text = sent.text
                if text.strip():
                    start = offset + sent.start_char + (len(text) - len(text.lstrip()))
                    end = offset + sent.end_char - (len(text) - len(text.rstrip()))
                    spans.append(Span(field="body", start=start, end=end))
        return spans

    # -- entities ------------------------------------------------------------------------------
    def entities(self, items: Sequence[NinjsItem]) -> list[EntityStage]:
        """Prepare, run NER over every headline and body in one batch, and resolve actors; the
        versions of a batch that fails are not remembered (:meth:`VersionMemory.transaction`)."""
        with self.versions.transaction():
            return self._entities([self.prepare(item) for item in items])

    def _entities(self, stages: list[EntityStage]) -> list[EntityStage]:
        from actorwire.entities.actors import resolve_actors

        active = [s for s in stages if s.meta.status == "enriched"]
        info = ModelInfo(name=self.ner.name, version=self.ner.version)
        for stage in active:
            # One model batch per article (its headline and all windows of its body): the float
            # rounding of a row depends on the shape of the batch it is computed in, so batches
            # mixing articles would make a replay differ in the last digits; per article, a replay
            # is bit-identical wherever and whenever it runs.
            headline_spans, body_spans = self.ner.predict([stage.text.headline, stage.text.body])
            mentions = [
                Mention(text=text[e.start : e.end], label=e.label, field=field, start=e.start, end=e.end,
                        score=round(min(1.0, e.score), 4))
                for field, text, spans in (("headline", stage.text.headline, headline_spans),
                                           ("body", stage.text.body, body_spans))
                for e in spans
            ]
            stage.mentions, stage.actors = resolve_actors(stage.text.headline, stage.text.body, mentions)
            stage.models = [info]
        return stages

    # -- enrich --------------------------------------------------------------------------------
    def enrich(self, stages: Sequence[EntityStage]) -> list[EnrichedArticle]:
        """Target sentiment per actor, quotes, stance and tone for each entity-stage record."""
        from actorwire.sentiment.attribution import speaker_mentions
        from actorwire.sentiment.targets import actor_sentiments, article_tone

        out = []
        for stage in stages:
            texts = {"headline": stage.text.headline, "body": stage.text.body}
            actors, stances, quotes, tone, models = stage.actors, [], [], None, list(stage.models)
            if stage.meta.status == "enriched":
                actors = actor_sentiments(self.sentiment, texts, stage.sentences, stage.mentions, stage.actors)
                tone = article_tone(self.tone_model, stage.text.body, stage.sentences)
                quotes = self.attribution.quotes(stage.text.body, stage.mentions, actors)
                # places that are not countries (cities, rivers) neither hold nor receive a stance
                kinds = {a.actor_id: a.kind for a in actors}
                parties = [m for m in stage.mentions + speaker_mentions(stage.text.body, quotes, stage.mentions)
                           if kinds.get(m.actor_id) != "location"]
                # a person is no party against or for their own country ("Prime Minister of Mali
                # Abdoulaye Maiga … Mali"): such edges read the person's office, not a stance
                own = {frozenset((a.actor_id, f"country:{a.country}"))
                       for a in actors if a.kind == "person" and a.country}
                stances = [s for s in self.stance.stances(texts, stage.sentences, parties)
                           if frozenset((s.source_actor_id, s.target_actor_id)) not in own]
                models += [ModelInfo(name=m.name, version=m.version)
                           for m in dict.fromkeys([self.sentiment, self.tone_model, self.stance, self.attribution])]
            out.append(EnrichedArticle(
                **stage.meta.model_dump(), models=models, headline=stage.text.headline, body=stage.text.body,
                tone=tone, mentions=stage.mentions, actors=actors, stances=stances, quotes=quotes))
        return out

    def run(self, items: Sequence[NinjsItem]) -> list[EnrichedArticle]:
        """Both stages in-process (offline mode); the versions of a batch that fails are not remembered."""
        with self.versions.transaction():
            return self.enrich(self.entities(items))


def actor_events(article: EnrichedArticle) -> list[ActorEvent]:
    """One ``news.actors`` event per actor of an enriched article, with the stances it holds."""
    return [
        ActorEvent(article_id=article.article_id, version=article.version, published_at=article.published_at,
                   pipeline_version=article.pipeline_version, embargoed=article.embargoed, actor=actor,
                   headline=article.headline,
                   stances=[s for s in article.stances if s.source_actor_id == actor.actor_id])
        for actor in article.actors
    ]
