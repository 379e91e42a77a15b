"""Lists of names (team sheets, squads, results lines): no stance and no target sentiment is read there."""

from __future__ import annotations

import re

import pytest

from actorwire.messages import Actor, Mention, Span
from actorwire.sentiment.directed import find_stances
from actorwire.sentiment.lists import MAX_ITEMS, name_list, spread
from actorwire.sentiment.targets import actor_sentiments

TEAM_SHEET = ("J Robinson (Sale Sharks, capt); M Cueto (Sale Sharks), J Noon (Newcastle), J Lewsey (Wasps); "
              "C Hodgson (Sale Sharks), M Dawson (Wasps).")
NAMES = re.compile(r"[A-Z] [A-Z][a-z]+|Sale Sharks|Newcastle|Wasps|Kenya|Uganda|Ethiopia|Somalia|Eritrea|Germany|France|"
                   r"Britain|Russia|Bass|Stella Artois|Hoegaarden|Staropramen|Inbev|Italy|Spain|Rwanda|Tanzania")


def _mentions(text):
    return [Mention(text=m.group(), label="ORG", field="body", start=m.start(), end=m.end(), score=1.0,
                    actor_id=f"actor:{m.group()}") for m in NAMES.finditer(text)]


@pytest.mark.parametrize("text, expected", [
    (TEAM_SHEET, True),  # "capt" is the one other word among twelve names
    ("Kenya, Uganda, Ethiopia, Somalia.", True),
    ("Germany, France and Britain condemned Russia.", False),  # a verb: a statement about the names
    ("Germany, France, Italy and Spain sued Russia.", False),
    ("Kenya, Uganda, Rwanda, Tanzania back Ethiopia", False),
    ("60m: J Noon (Wasps), M Cueto (Sale Sharks with Wasps), J Lewsey (Newcastle).", True),  # "with" in brackets
    ("Kenya, Uganda, Ethiopia, Somalia and Britain today joined Russia.", False),
    ("Inbev brands include Bass, Stella Artois, Hoegaarden and Staropramen.", False),
    ("Kenya, Uganda and Ethiopia.", False),  # three names: a short list, read pair by pair
])
def test_a_sentence_of_names_and_separators_is_a_name_list(text, expected):
    assert name_list(text, 0, len(text), _mentions(text)) is expected


class _Recording:
    """Stand-in for both models: records the items it is given, answers one fixed class."""

    name, version, calibration = "recording", "0", None

    def __init__(self):
        self.seen = []

    def predict(self, items):
        self.seen.extend(items)
        return [(0.1, 0.2, 0.7)] * len(items)

    def probabilities(self, items):
        self.seen.extend(items)
        return [[0.05, 0.05, 0.05, 0.8, 0.05]] * len(items)


def test_names_in_a_team_sheet_get_no_stance_pair_and_no_sentiment_item():
    body = "Wasps praised J Noon. " + TEAM_SHEET
    texts = {"headline": "", "body": body}
    sentences = [Span(field="body", start=0, end=21), Span(field="body", start=22, end=len(body))]
    mentions = _mentions(body)
    actors = [Actor(actor_id=i, name=i[6:], kind="organization", salience=0.5, mention_count=1)
              for i in dict.fromkeys(m.actor_id for m in mentions)]

    dsa = _Recording()
    stances = find_stances(dsa, texts, sentences, mentions)
    assert [item.context for item in dsa.seen] == ["Wasps praised J Noon."]
    assert [(s.source_actor_id, s.target_actor_id) for s in stances] == [("actor:Wasps", "actor:J Noon")]

    tsc = _Recording()
    scored = {a.actor_id: a.sentiment for a in actor_sentiments(tsc, texts, sentences, mentions, actors)}
    assert [item.context for item in tsc.seen] == ["Wasps praised J Noon."] * 2
    assert scored["actor:J Noon"].label == "positive"  # from the sentence that says something of him
    assert scored["actor:M Dawson"] is None  # named only in the list


def test_spread_keeps_every_key_s_first_items_when_there_are_too_many():
    keys = ["a", "a", "a", "b", "a", "c", "b"]
    assert spread(keys, 10) == list(range(7))
    assert spread(keys, 3) == [0, 3, 5]  # each key's first item
    assert spread(keys, 5) == [0, 1, 3, 5, 6]  # then each key's second, earlier first


def test_text_made_of_names_costs_the_models_at_most_max_items_each():
    # 1,500 sentences about Wasps and J Noon, then one about Kenya and Ethiopia
    body = "Wasps praised J Noon. " * 1500 + "Kenya praised Ethiopia."
    sentences = [Span(field="body", start=m.start(), end=m.end()) for m in re.finditer(r"[^ .][^.]*\.", body)]
    mentions = _mentions(body)
    actors = [Actor(actor_id=i, name=i[6:], kind="organization", salience=0.5, mention_count=1)
              for i in dict.fromkeys(m.actor_id for m in mentions)]
    texts = {"headline": "", "body": body}

    dsa = _Recording()
    stances = find_stances(dsa, texts, sentences, mentions)
    assert len(dsa.seen) == MAX_ITEMS  # of 1,501 pairs
    assert {(s.source_actor_id, s.target_actor_id) for s in stances} == {("actor:Wasps", "actor:J Noon"),
                                                                         ("actor:Kenya", "actor:Ethiopia")}

    tsc = _Recording()
    scored = {a.actor_id: a.sentiment for a in actor_sentiments(tsc, texts, sentences, mentions, actors)}
    assert len(tsc.seen) == MAX_ITEMS  # of 3,002 mentions: every actor's first ones
    assert all(scored[a.actor_id] is not None for a in actors)  # Kenya and Ethiopia too, named once at the end
