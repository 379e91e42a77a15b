"""The document-level sentiment check (PerSenT): reading the csv and finding the labelled person among the actors."""

from __future__ import annotations

import csv

from actorwire.datasets import read_persent
from actorwire.messages import Actor, Mention
from actorwire.offline import main_actor


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
