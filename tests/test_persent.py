"""The document-level sentiment check (PerSenT): reading the csv and finding the labelled person among the actors."""

from __future__ import annotations

import csv

import pytest

from actorwire.datasets import read_persent
from actorwire.messages import Actor, Mention, Span
from actorwire.offline import main_actor
from actorwire.sentiment.targets import LABELS, DocumentCalibration, actor_sentiments


def test_persent_rows_keep_title_document_person_and_label(tmp_path):
    path = tmp_path / "p.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["DOCUMENT_INDEX", "TITLE", "TARGET_ENTITY", "DOCUMENT", "MASKED_DOCUMENT",
                                    "TRUE_SENTIMENT"])
        writer.writeheader()
        writer.writerow({"DOCUMENT_INDEX": 1, "TITLE": "T", "TARGET_ENTITY": "Norm Miller", "DOCUMENT": "Line one\nline, two",
                         "MASKED_DOCUMENT": "", "TRUE_SENTIMENT": "Negative"})
    assert read_persent(path) == [("T", "Line one\nline, two", "Norm Miller", 0)]


def _actor(actor_id, name, kind="person", count=1):
    return Actor(actor_id=actor_id, name=name, kind=kind, salience=0.5, mention_count=count)


def test_the_labelled_person_is_found_by_a_shared_name_word_and_the_most_mentioned_match_wins():
    actors = [_actor("person:k", "Khodorkovsky", count=4), _actor("person:p", "Vladimir Putin", count=6),
              _actor("org:mk", "Mikhail Fund", kind="organization", count=9), _actor("person:o", "Mikhail Other", count=1)]
    mentions = [Mention(text="Khodorkovsky", label="PER", field="body", start=0, end=12, score=1.0, actor_id="person:k")]
    assert main_actor(actors, mentions, "Mikhail Khodorkovsky").actor_id == "person:k"
    assert main_actor(actors, mentions, "Norm Miller") is None


def _mentions_and_actors():
    text = "Ann Lee met Bo Park. Ann Lee smiled."
    mentions = [Mention(text="Ann Lee", label="PER", field="body", start=0, end=7, score=1.0, actor_id="person:ann"),
                Mention(text="Bo Park", label="PER", field="body", start=12, end=19, score=1.0, actor_id="person:bo"),
                Mention(text="Ann Lee", label="PER", field="body", start=21, end=28, score=1.0, actor_id="person:ann")]
    sentences = [Span(field="body", start=0, end=20), Span(field="body", start=21, end=36)]
    return {"headline": "", "body": text}, sentences, mentions, [_actor("person:ann", "Ann Lee", count=2),
                                                                 _actor("person:bo", "Bo Park")]


class _Scripted:
    """A sentiment model that gives each mention the next scripted distribution."""

    name, version = "scripted", "0"

    def __init__(self, rows, calibration=None):
        self.rows, self.calibration = rows, calibration

    def predict(self, items):
        return self.rows[: len(items)]


def test_actor_sentiment_is_the_calibrated_mean_of_its_mentions_and_the_plain_mean_without_calibration():
    texts, sentences, mentions, actors = _mentions_and_actors()
    rows = [(0.6, 0.3, 0.1), (0.1, 0.2, 0.7), (0.4, 0.3, 0.3)]  # Ann, Bo, Ann
    plain = {a.actor_id: a.sentiment for a in actor_sentiments(_Scripted(rows), texts, sentences, mentions, actors)}
    assert plain["person:ann"].distribution == {"negative": 0.5, "neutral": 0.3, "positive": 0.2}
    assert (plain["person:ann"].label, plain["person:ann"].score) == ("negative", -0.3)
    # a calibration that moves weight from negative to positive (the PerSenT fit does so)
    shift = DocumentCalibration(coef=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)), intercept=(-1.0, 0.0, 1.0))
    calibrated = {a.actor_id: a.sentiment
                  for a in actor_sentiments(_Scripted(rows, shift), texts, sentences, mentions, actors)}
    expected = shift([0.5, 0.3, 0.2])
    assert calibrated["person:ann"].label == "positive"
    assert calibrated["person:ann"].distribution == {k: round(p, 4) for k, p in zip(LABELS, expected)}
    assert calibrated["person:ann"].score == round(expected[2] - expected[0], 4)
    assert abs(sum(expected) - 1.0) < 1e-9
    unused = actor_sentiments(_Scripted(rows, shift), texts, sentences, mentions, actors, calibrate=False)
    assert {a.actor_id: a.sentiment for a in unused} == plain
    # fitted on people (PerSenT), applied to people only: an organisation keeps the plain mean
    orgs = [a.model_copy(update={"kind": "organization"}) for a in actors]
    assert {a.actor_id: a.sentiment for a in actor_sentiments(_Scripted(rows, shift), texts, sentences, mentions,
                                                               orgs)} == plain


def test_a_fitted_calibration_is_written_and_loaded_and_a_missing_label_is_refused(tmp_path):
    from actorwire.settings import Settings
    from actorwire.training.calibration import fit

    docs = [("Minister praised", "Prime Minister Anna Berg was praised by voters for her honest leadership.", "Anna Berg", "Positive"),
            ("Fraud charges", "Prosecutors accused Tom Reed of fraud and lying to investors.", "Tom Reed", "Negative"),
            ("Meeting", "John Carter met officials in Ottawa on Tuesday.", "John Carter", "Neutral")] * 2
    path = tmp_path / "p.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["TITLE", "TARGET_ENTITY", "DOCUMENT", "TRUE_SENTIMENT"])
        writer.writeheader()
        for title, document, person, label in docs:
            writer.writerow({"TITLE": title, "DOCUMENT": document, "TARGET_ENTITY": person, "TRUE_SENTIMENT": label})
    out = tmp_path / "calibration.json"
    summary = fit(Settings(), path, out)
    assert (summary["documents"], summary["fitted_documents"]) == (6, 6)
    calibration = DocumentCalibration.load(out)
    assert len(calibration.coef) == 3 and all(len(row) == 3 for row in calibration.coef)
    # fitted on these documents, it reads them back: a clear negative mean stays negative
    probs = calibration([0.9, 0.05, 0.05])
    assert max(range(3), key=probs.__getitem__) == 0
    assert DocumentCalibration.load(tmp_path / "absent.json") is None
    with pytest.raises(ValueError, match="every label"):
        fit(Settings(), path, out, limit=2)
