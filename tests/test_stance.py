"""Stance between actors: the DSA reader, pair selection and direction, and the packaged model on real sentences."""

from __future__ import annotations

from itertools import combinations

import pytest

from actorwire.datasets import read_dsa
from actorwire.messages import Mention, Span
from actorwire.sentiment.directed import (ACTION_CONFIDENCE, MAX_PAIRS, MIN_CONFIDENCE, DirectedSentiment,
                                          find_stances)
from actorwire.training.dsa import rule_baseline


def test_dsa_lines_lose_their_brackets_and_keep_both_spans(tmp_path):
    path = tmp_path / "dsa.txt"
    path.write_text("[Mali] cut ties with [Ukraine] on Sunday.\tMali\tUkraine\t3\n"
                    "The [Bamako] team[s] drew.\tBamako\ts\t0\n", encoding="utf-8")
    (text, a, b, label), (text2, c, d, label2) = read_dsa(path)
    assert (text, text[a[0]:a[1]], text[b[0]:b[1]], label) == ("Mali cut ties with Ukraine on Sunday.", "Mali", "Ukraine", 3)
    assert (text2, text2[c[0]:c[1]], text2[d[0]:d[1]], label2) == ("The Bamako teams drew.", "Bamako", "s", 0)
    path.write_text("no brackets here\ta\tb\t0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two"):
        read_dsa(path)


def _mentions(text, names):
    return [Mention(text=n, label="LOC", field="body", start=text.index(n), end=text.index(n) + len(n), score=1.0,
                    actor_id=f"actor:{n}") for n in names]


class _Fixed:
    """A stand-in for the DSA model that records what it was asked and answers one class for every pair."""

    def __init__(self, label: int, confidence: float = 0.9):
        self.label, self.confidence, self.seen = label, confidence, []

    def probabilities(self, items):
        self.seen.extend(items)
        rest = (1 - self.confidence) / 4
        return [[self.confidence if k == self.label else rest for k in range(5)] for _ in items]


def test_pairs_are_marked_in_reading_order_and_backward_classes_turn_the_edge_around():
    text = "Kenya was praised by Ethiopia."
    sentences = [Span(field="body", start=0, end=len(text))]
    model = _Fixed(label=2)  # positive second → first
    stances = find_stances(model, {"body": text}, sentences, _mentions(text, ["Kenya", "Ethiopia"]))
    (item,) = model.seen
    assert [item.context[a:b] for a, b in item.spans] == ["Kenya", "Ethiopia"]
    assert [(s.source_actor_id, s.target_actor_id, s.label, s.confidence) for s in stances] == \
        [("actor:Ethiopia", "actor:Kenya", "favor", 0.9)]
    assert stances[0].evidence == sentences[0]
    assert find_stances(_Fixed(label=0), {"body": text}, sentences, _mentions(text, ["Kenya", "Ethiopia"])) == []


def test_a_directed_class_below_the_confidence_bar_makes_no_edge():
    text = "Kenya was praised by Ethiopia."
    sentences, mentions = [Span(field="body", start=0, end=len(text))], _mentions(text, ["Kenya", "Ethiopia"])
    assert find_stances(_Fixed(label=2, confidence=MIN_CONFIDENCE - 0.01), {"body": text}, sentences, mentions) == []
    [stance] = find_stances(_Fixed(label=2, confidence=MIN_CONFIDENCE), {"body": text}, sentences, mentions)
    assert (stance.label, stance.confidence) == ("favor", MIN_CONFIDENCE)


@pytest.mark.parametrize("text, names, edges", [
    ("The EU imposed new sanctions on Belarus on Monday.", ["EU", "Belarus"], [("EU", "Belarus", "against")]),
    ("Saudi Arabia backs Egypt in dam dispute", ["Saudi Arabia", "Egypt"], [("Saudi Arabia", "Egypt", "favor")]),
    ("Ghana recalled its ambassador from Togo after the clashes.", ["Ghana", "Togo"], [("Ghana", "Togo", "against")]),
    ("Brazil voted against the resolution on Venezuela, siding with Russia.", ["Brazil", "Venezuela", "Russia"], []),
    ("Germany, France and Britain condemned Russia.", ["Germany", "France", "Britain", "Russia"],
     [("Britain", "Russia", "against")]),  # the action is read for the name right before it only
    ("The EU has not imposed sanctions on Belarus.", ["EU", "Belarus"], []),
    ("Belarus was sanctioned by the EU.", ["Belarus", "EU"], []),  # passive: the words name no holder first
    ("Mexico condemned the attack, Spain said.", ["Mexico", "Spain"], []),
    ("Kenya's support for Ethiopia is waning.", ["Kenya", "Ethiopia"], []),  # a noun, as DSA reads it: none
])
def test_a_reported_action_makes_an_edge_where_the_model_gives_none(text, names, edges):
    stances = find_stances(_Fixed(label=0), {"body": text}, [Span(field="body", start=0, end=len(text))],
                           _mentions(text, names))
    assert [(s.source_actor_id, s.target_actor_id, s.label) for s in stances] == \
        [(f"actor:{a}", f"actor:{b}", label) for a, b, label in edges]
    assert all(s.confidence == ACTION_CONFIDENCE for s in stances)


@pytest.mark.parametrize("model_class, confidence", [(3, 0.9), (3, 0.4), (4, 0.9), (1, 0.9)])
def test_the_words_of_a_reported_action_decide_with_the_model_s_confidence_when_it_agrees(model_class, confidence):
    text = "The EU imposed new sanctions on Belarus."
    [stance] = find_stances(_Fixed(label=model_class, confidence=confidence), {"body": text},
                            [Span(field="body", start=0, end=len(text))], _mentions(text, ["EU", "Belarus"]))
    assert (stance.source_actor_id, stance.target_actor_id, stance.label) == ("actor:EU", "actor:Belarus", "against")
    assert stance.confidence == (confidence if model_class == 3 and confidence > ACTION_CONFIDENCE else ACTION_CONFIDENCE)


def test_without_a_reported_action_the_model_decides():
    text = "Belarus was hit by new sanctions from the EU."
    [stance] = find_stances(_Fixed(label=4), {"body": text}, [Span(field="body", start=0, end=len(text))],
                            _mentions(text, ["Belarus", "EU"]))
    assert (stance.source_actor_id, stance.target_actor_id, stance.label, stance.confidence) == \
        ("actor:EU", "actor:Belarus", "against", 0.9)


@pytest.mark.parametrize("text, names, pairs", [
    ("Kenya, Uganda and Ethiopia condemned Eritrea.", ["Kenya", "Uganda", "Ethiopia", "Eritrea"],
     [("Ethiopia", "Eritrea"), ("Uganda", "Eritrea"), ("Kenya", "Eritrea")]),
    ("Celtic v Rangers (Scottish Cup): Celtic fans booed.", ["Celtic", "Rangers", "Scottish Cup"], []),
    ("Kenya and Uganda signed a pact.", ["Kenya", "Uganda"], []),
    ("Kenya backed Uganda.", ["Kenya", "Uganda"], [("Kenya", "Uganda")]),
])
def test_two_items_of_one_list_are_not_read_as_a_pair(text, names, pairs):
    model = _Fixed(label=0)
    find_stances(model, {"body": text}, [Span(field="body", start=0, end=len(text))], _mentions(text, names))
    assert [tuple(item.context[a:b] for a, b in item.spans) for item in model.seen] == pairs


def test_a_long_list_of_names_is_read_as_the_nearest_pairs_only():
    names = [f"Country{k:02d}" for k in range(16)]
    text = "".join(f"{name} {'met ' * (k % 3 + 1)}" for k, name in enumerate(names)) + "today."  # uneven gaps
    model = _Fixed(label=0)
    mentions = _mentions(text, names)
    find_stances(model, {"body": text}, [Span(field="body", start=0, end=len(text))], mentions)
    every_pair = sorted(combinations(mentions, 2), key=lambda ab: ab[1].start - ab[0].end)
    assert [item.spans for item in model.seen] == [((a.start, a.end), (b.start, b.end)) for a, b in every_pair[:MAX_PAIRS]]
    assert MAX_PAIRS < len(every_pair)


def test_the_lexicon_baseline_reads_one_cue_between_the_entities():
    text = "Ethiopia accused Eritrea of backing rebels."
    from actorwire.sentiment.marked import MarkedText
    item = MarkedText(text, ((0, 8), (17, 24)))
    assert rule_baseline(item).index(1.0) == 3  # negative first → second


@pytest.fixture(scope="module")
def dsa():
    return DirectedSentiment()


@pytest.mark.parametrize("text, holder, target, label", [
    ("Ethiopia accused Eritrea of arming the rebels in Tigray.", "Ethiopia", "Eritrea", "against"),
    ("Kenya strongly backed Ethiopia's bid to host the summit.", "Kenya", "Ethiopia", "favor"),
    ("Mali was harshly condemned by France for expelling its ambassador.", "France", "Mali", "against"),
])
def test_the_packaged_model_reads_who_is_for_or_against_whom(dsa, text, holder, target, label):
    mentions = _mentions(text, [holder, target])
    stances = dsa.stances({"body": text}, [Span(field="body", start=0, end=len(text))], mentions)
    assert [(s.source_actor_id, s.target_actor_id, s.label) for s in stances] == \
        [(f"actor:{holder}", f"actor:{target}", label)]
    assert 0.34 < stances[0].confidence <= 1.0


@pytest.mark.parametrize("text, names, label, edges", [
    ('Mr Howard told Greater Manchester Radio: "It is a pity that Mr Blair does not listen."',
     ["Howard", "Greater Manchester Radio", "Blair"], 3, [("Howard", "Greater Manchester Radio"), ("Howard", "Blair")]),
    ("The Kremlin was wrong, Mr Sands told Newsnight.", ["Kremlin", "Sands", "Newsnight"], 4,
     [("Sands", "Kremlin")]),
    ("In an interview with the Financial Times, Mr Blair praised Mr Brown.", ["Financial Times", "Blair", "Brown"], 3,
     [("Blair", "Brown")]),
    ("Mali in its speech at the UN General Assembly condemned Ukraine.", ["Mali", "UN General Assembly", "Ukraine"], 3,
     [("Mali", "UN General Assembly"), ("Mali", "Ukraine")]),
    ("Mr Blair praised Mr Brown, speaking on BBC Radio 4.", ["Blair", "Brown", "BBC Radio 4"], 3,
     [("Blair", "Brown"), ("Blair", "BBC Radio 4"), ("Brown", "BBC Radio 4")]),
])
def test_whom_a_statement_was_told_to_holds_no_stance_in_that_sentence(text, names, label, edges):
    stances = find_stances(_Fixed(label=label), {"body": text}, [Span(field="body", start=0, end=len(text))],
                           _mentions(text, names))
    assert sorted((s.source_actor_id, s.target_actor_id) for s in stances) == \
        sorted((f"actor:{a}", f"actor:{b}") for a, b in edges)


@pytest.mark.parametrize("text, names, pairs", [
    ("Kennedy said his party opposed the Iraq war.", ["Kennedy", "Iraq"], []),
    ("The Greens accused Blair of lying over the Iraq weapons dossier.", ["Greens", "Blair", "Iraq"],
     [("Greens", "Blair")]),
    ("Blair praised Iraq's new government after the Iraq-war inquiry.", ["Blair", "Iraq"], [("Blair", "Iraq")]),
    ("Russian troops attacked Ukraine.", ["Russian", "Ukraine"], [("Russian", "Ukraine")]),
])
def test_a_country_naming_what_a_noun_is_about_is_a_topic_not_a_party(text, names, pairs):
    mentions = [m.model_copy(update={"actor_id": f"country:{m.text}" if m.text in ("Iraq", "Russian", "Ukraine")
                                     else m.actor_id}) for m in _mentions(text, names)]
    model = _Fixed(label=0)
    find_stances(model, {"body": text}, [Span(field="body", start=0, end=len(text))], mentions)
    assert [tuple(item.context[a:b] for a, b in item.spans) for item in model.seen] == pairs


def test_the_packaged_model_gives_a_statement_s_stance_to_its_speaker_not_to_whom_it_was_told(dsa):
    text = 'Mr Howard told Greater Manchester Radio: "It is such a pity that Mr Blair does not practise what he preaches."'
    stances = dsa.stances({"body": text}, [Span(field="body", start=0, end=len(text))],
                          _mentions(text, ["Howard", "Greater Manchester Radio", "Blair"]))
    assert ("actor:Howard", "actor:Blair", "against") in [(s.source_actor_id, s.target_actor_id, s.label) for s in stances]
    assert all(s.source_actor_id != "actor:Greater Manchester Radio" for s in stances)


def test_the_packaged_model_finds_no_stance_in_a_neutral_sentence(dsa):
    text = "Kenya and Ethiopia will both send delegations to the Geneva talks next week."
    assert dsa.stances({"body": text}, [Span(field="body", start=0, end=len(text))],
                       _mentions(text, ["Kenya", "Ethiopia"])) == []


def _people(text, names):
    """Mentions of ``names`` in ``text``: those with a space are people (PER), the others countries or firms."""
    return [m.model_copy(update={"label": "PER" if " " in m.text else "ORG"}) for m in _mentions(text, names)]


@pytest.mark.parametrize("text, names, pairs", [
    ("Norwegian Fisheries Minister Ingrid Solberg praised Iceland for the deal.",
     ["Norwegian", "Ingrid Solberg", "Iceland"], [("Ingrid Solberg", "Iceland")]),
    ("Midland Rail chief executive Thomas Reed condemned the ruling by Judge Maria Ortiz.",
     ["Midland Rail", "Thomas Reed", "Maria Ortiz"], [("Thomas Reed", "Maria Ortiz")]),
    ("Russia's President Vladimir Putin met Olaf Scholz.", ["Russia", "Vladimir Putin", "Olaf Scholz"],
     [("Vladimir Putin", "Olaf Scholz")]),
    ("Russia attacked President Volodymyr Zelensky in a speech.", ["Russia", "Volodymyr Zelensky"],
     [("Russia", "Volodymyr Zelensky")]),
    ("Elizabeth Warren accused Federal Reserve chair Jerome Powell of risking jobs.",
     ["Elizabeth Warren", "Federal Reserve", "Jerome Powell"], [("Elizabeth Warren", "Jerome Powell")]),
    ("William Ruto praised his Tanzanian counterpart Samia Hassan.", ["William Ruto", "Tanzanian", "Samia Hassan"],
     [("William Ruto", "Samia Hassan")]),
    ("Ken Mayland, president of ClearView, backed the Fed.", ["Ken Mayland", "ClearView", "Fed"],
     [("Ken Mayland", "Fed")]),
    ("Ken Mayland, a senior economist at the Fed, praised Nomura.", ["Ken Mayland", "Fed", "Nomura"],
     [("Ken Mayland", "Nomura")]),
    ("Ken Mayland, who sued ClearView, backed the Fed.", ["Ken Mayland", "ClearView", "Fed"],
     [("Ken Mayland", "ClearView"), ("ClearView", "Fed"), ("Ken Mayland", "Fed")]),
])
def test_an_affiliation_that_describes_the_person_after_it_is_not_a_party(text, names, pairs):
    model = _Fixed(label=0)
    find_stances(model, {"body": text}, [Span(field="body", start=0, end=len(text))], _people(text, names))
    assert [tuple(item.context[a:b] for a, b in item.spans) for item in model.seen] == pairs


def test_a_person_and_what_describes_them_anywhere_in_the_article_hold_no_stance_toward_each_other():
    text = "Russian President Vladimir Putin spoke. Putin said Russia would win. Putin criticised Germany."
    found = [("Russian", "Russian", "ORG", "Russia"), ("Vladimir Putin", "Vladimir Putin", "PER", "Putin"),
             ("Putin said", "Putin", "PER", "Putin"), ("Russia would", "Russia", "ORG", "Russia"),
             ("Putin crit", "Putin", "PER", "Putin"), ("Germany", "Germany", "ORG", "Germany")]
    mentions = [Mention(text=name, label=label, field="body", start=text.index(where), end=text.index(where) + len(name),
                        score=1.0, actor_id=f"actor:{actor}") for where, name, label, actor in found]
    sentences = [Span(field="body", start=s, end=e) for s, e in ((0, 39), (40, 68), (69, len(text)))]
    model = _Fixed(label=3)
    stances = find_stances(model, {"body": text}, sentences, mentions)
    assert [tuple(item.context[a:b] for a, b in item.spans) for item in model.seen] == [("Putin", "Germany")]
    assert [(s.source_actor_id, s.target_actor_id) for s in stances] == [("actor:Putin", "actor:Germany")]
