"""Offline mode: the same pipeline in-process over files (``actorwire enrich``), the NER
evaluation harness of issue #3 (``actorwire eval ner``) and the document-level sentiment check of
issue #5 (``actorwire eval persent``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import groupby, islice
from pathlib import Path

from actorwire.decode import decode_ninjs
from actorwire.ingest.readers import read_inputs
from actorwire.messages import Actor
from actorwire.pipeline import Pipeline
from actorwire.settings import Settings
from actorwire.streaming import Output, Stage, dead_letter, run_batch

ENRICHED, DEAD_LETTER = "enriched", "deadletter"  # destinations of run_batch's outputs, offline


def enrich_files(settings: Settings, inputs, output: Path, dead_letter_path: Path | None,
                 batch_size: int | None = None) -> dict:
    """Enrich every record of ``inputs`` into ``output`` (JSON lines; ``-`` = stdout).

    Records go through :func:`~actorwire.streaming.run_batch`, as in the workers: unusable input
    and records the models fail on alone become :class:`~actorwire.messages.DeadLetter` lines in
    ``dead_letter_path`` (counted, and dropped when no path is given), and so does an input that
    gave no article (``RawRecord.unreadable``: an unreadable file, a feed without entries…, error
    class ``Unreadable``). Returns counts ``{"enriched", "dead_lettered"}``. Shows a progress bar
    on a terminal.
    """
    from tqdm import tqdm

    pipeline = Pipeline(settings)
    stage = Stage(name="enrich", source_topic="files", group_id="offline",
                  decode=lambda raw: decode_ninjs(raw, settings.worker.max_message_bytes),
                  process=lambda items: [[Output(ENRICHED, None, a.model_dump_json().encode(), a.article_id)]
                                         for a in pipeline.run(items)])
    size = batch_size or settings.worker.batch_size
    records = iter(read_inputs(inputs))
    stats = {"enriched": 0, "dead_lettered": 0}
    out = sys.stdout if str(output) == "-" else open(output, "w", encoding="utf-8")
    dl = open(dead_letter_path, "w", encoding="utf-8") if dead_letter_path else None
    progress = tqdm(unit="article", disable=not sys.stderr.isatty())
    try:
        while batch := list(islice(records, size)):
            results: list[Output] = []
            for unreadable, run in groupby(batch, key=lambda r: r.unreadable is not None):  # in input order
                if unreadable:
                    results += [Output(DEAD_LETTER, r.key, dead_letter(r.unreadable, "Unreadable", stage.name,
                                                                       r.source, r.key, r.value).model_dump_json().encode(),
                                       "") for r in run]
                else:
                    results += run_batch(stage, [(r.source, r.key, r.value) for r in run], DEAD_LETTER)
            for result in results:
                if result.topic == ENRICHED:
                    out.write(result.value.decode() + "\n")
                    stats["enriched"] += 1
                else:
                    stats["dead_lettered"] += 1
                    if dl:
                        dl.write(result.value.decode() + "\n")
            progress.update(len(batch))
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
        if dl:
            dl.close()
    return stats


def evaluate_ner(settings: Settings, conll_path: Path) -> dict:
    """Entity-level micro F1 of the pipeline's NER mentions on CoNLL-2003 documents.

    Each document becomes a ninjs item whose text/plain body is its tokens joined by single
    spaces and sentences by newlines (issue #3's harness); the entity stage's body mentions
    (``source="ner"``) are projected back onto the tokens and scored with seqeval.
    """
    from actorwire.datasets import read_conll
    from actorwire.entities.ner import EntitySpan
    from actorwire.messages import NinjsItem, NinjsText
    from actorwire.training.ner import evaluate

    pipeline = Pipeline(settings)
    docs = read_conll(conll_path)

    def predict(texts):
        items = [NinjsItem(uri=f"conll:{n}", language="en", bodies=[NinjsText(value=t)]) for n, t in enumerate(texts)]
        spans = []
        for n in range(0, len(items), 64):
            for stage in pipeline.entities(items[n : n + 64]):
                spans.append([EntitySpan(m.start, m.end, m.label, m.score) for m in stage.mentions
                              if m.field == "body" and m.source == "ner"])
        return spans

    result = evaluate(predict, docs)
    return {"model": settings.ner_model, "data": str(conll_path), **result}


def main_actor(actors, mentions, person: str):
    """The actor of an article that is ``person`` (a name as a reader gives it): the person actor
    with most mentions among those whose name or a mention shares a word with it (so "Khodorkovsky"
    matches "Mikhail Khodorkovsky"), or ``None``."""
    words = {w for w in person.lower().replace(".", " ").split() if len(w) > 1}
    texts: dict[str, set[str]] = {}
    for m in mentions:
        if m.actor_id:
            texts.setdefault(m.actor_id, set()).update(m.text.lower().replace(".", " ").split())
    matches = [a for a in actors if a.kind == "person"
               and words & (set(a.name.lower().replace(".", " ").split()) | texts.get(a.actor_id, set()))]
    return max(matches, key=lambda a: a.mention_count, default=None)


def persent_main_actors(settings: Settings, csv_path: Path, limit: int | None = None,
                        calibrate: bool = True) -> Iterator[tuple[int, Actor | None]]:
    """(gold label id, the labelled person's actor or ``None``) per PerSenT document, in file order.

    Each document becomes a ninjs item (TITLE as headline, DOCUMENT as body) and runs through the
    entity stage and the actor sentiment of the enrich stage (``settings.sentiment_model``;
    ``calibrate`` as in :func:`~actorwire.sentiment.targets.actor_sentiments`); the person is
    found by :func:`main_actor`."""
    from actorwire.datasets import read_persent
    from actorwire.messages import NinjsItem, NinjsText
    from actorwire.sentiment.targets import actor_sentiments

    pipeline = Pipeline(settings)
    rows = read_persent(csv_path)[:limit]
    for n in range(0, len(rows), 16):
        chunk = rows[n : n + 16]
        items = [NinjsItem(uri=f"persent:{n + k}", language="en", headlines=[NinjsText(value=title)],
                           bodies=[NinjsText(value=document)]) for k, (title, document, _, _) in enumerate(chunk)]
        for stage, (_, _, person, label) in zip(pipeline.entities(items), chunk):
            texts = {"headline": stage.text.headline, "body": stage.text.body}
            actors = actor_sentiments(pipeline.sentiment, texts, stage.sentences, stage.mentions, stage.actors,
                                      calibrate)
            yield label, main_actor(actors, stage.mentions, person)


def evaluate_persent(settings: Settings, csv_path: Path, limit: int | None = None, calibrate: bool = True) -> dict:
    """Document-level sentiment toward an article's main person, against PerSenT's human labels.

    The prediction is the ``sentiment.label`` of the labelled person's actor
    (:func:`persent_main_actors`), ``neutral`` when no actor is. Macro-F1 over
    negative/neutral/positive (the issue #5 bar: 0.50), accuracy, and how many people were found.
    """
    from sklearn.metrics import f1_score

    from actorwire.sentiment.targets import LABELS

    gold, pred, found = [], [], 0
    for label, actor in persent_main_actors(settings, csv_path, limit, calibrate):
        found += actor is not None
        gold.append(label)
        pred.append(LABELS.index(actor.sentiment.label) if actor and actor.sentiment else 1)
    return {"model": settings.sentiment_model, "calibrated": calibrate, "data": str(csv_path), "documents": len(gold),
            "person_found": found,
            "f1_macro": round(float(f1_score(gold, pred, average="macro", labels=[0, 1, 2])), 4),
            "accuracy": round(sum(p == g for p, g in zip(pred, gold)) / len(gold), 4),
            "predicted": {label: pred.count(k) for k, label in enumerate(LABELS)},
            "gold": {label: gold.count(k) for k, label in enumerate(LABELS)}}
