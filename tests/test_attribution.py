"""Quote attribution: PolNeAR reading and nesting, span scoring, linking spans to actors, and the packaged tagger."""

from __future__ import annotations

import re

import pytest

from actorwire.datasets import read_polnear
from actorwire.entities.ner import EntitySpan
from actorwire.messages import Actor, Mention
from actorwire.sentiment.attribution import AttributionTagger, link, speaker_mentions
from actorwire.training.attribution import flat_spans, span_scores


def _write_article(root, text, ann):
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "a1.txt").write_text(text, encoding="utf-8")
    (root / "attributions" / "a1_4e07.ann").write_text(ann, encoding="utf-8")
    (root / "attributions" / "a1_zz99.ann").write_text("", encoding="utf-8")  # a second annotator: not read


def test_polnear_standoff_is_read_and_nested_attributions_split_the_outer_content(tmp_path):
    text = 'Smith said that Jones told him "no deal" yesterday.'
    def at(s):
        return f"{text.index(s)} {text.index(s) + len(s)}"
    ann = (f"T1\tSource {at('Smith')}\tSmith\nT2\tCue {at('said')}\tsaid\n"
           f"T3\tContent {at('that Jones told him')};{at('yesterday')}\tthat Jones told him yesterday\n"
           f"T4\tAttribution {at('said')}\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
           f"T5\tSource {at('Jones')}\tJones\nT6\tCue {at('told')}\ttold\nT7\tContent {at('no deal')}\tno deal\n"
           "#1\tAnnotatorNotes T3\tcheck\na continuation line of a multi-line span text\n")
    _write_article(tmp_path, text, ann)
    (article,) = read_polnear(tmp_path)
    assert article.article_id == "a1"
    assert [text[a:b] for a, b in article.attributions[0]["Content"]] == ["that Jones told him", "yesterday"]
    flat = [(text[a:b], t) for a, b, t in flat_spans(article)]
    assert flat == [("Smith", "SOURCE"), ("said", "CUE"), ("that", "CONTENT"), ("Jones", "SOURCE"),
                    ("told", "CUE"), ("him", "CONTENT"), ("no deal", "CONTENT"), ("yesterday", "CONTENT")]


def test_span_scores_count_exact_and_overlapping_matches_one_to_one():
    text = "0123456789" * 3
    gold = [[(0, 5, "CUE"), (10, 20, "CONTENT")]]
    pred = [[(0, 5, "CUE"), (12, 18, "CONTENT"), (15, 25, "CONTENT")]]
    scores = span_scores(gold, pred, [text])
    assert scores["CUE"]["exact"]["f1"] == 1.0
    assert scores["CONTENT"]["exact"]["recall"] == 0.0
    assert (scores["CONTENT"]["overlap"]["precision"], scores["CONTENT"]["overlap"]["recall"]) == (0.5, 1.0)


def _persons(body, people):
    """Mentions and person actors of ``people`` (name → actor id), each named once in ``body``."""
    mentions = [Mention(text=n, label="PER", field="body", start=body.index(n), end=body.index(n) + len(n), score=1.0,
                        actor_id=aid) for n, aid in people.items()]
    return mentions, [Actor(actor_id=aid, name=n, kind="person", salience=1.0, mention_count=1)
                      for n, aid in people.items()]


def _content(text, words):
    """The first occurrence of ``words`` in ``text`` as a tagged CONTENT span (quotation marks allowed)."""
    return EntitySpan(text.index(words), text.index(words) + len(words), "CONTENT", 0.9)


def _span(text, words, label, nth=0):
    """The ``nth`` whole-word occurrence of ``words`` in ``text`` as a tagged span."""
    match = list(re.finditer(rf"\b{re.escape(words)}", text))[nth]
    return EntitySpan(match.start(), match.end(), label, 0.9)


def test_cues_take_their_nearest_source_and_content_and_pronouns_resolve_to_the_last_person():
    body = ('Mark Ellison arrived late. "We will not resign," he said.\n'
            'Officials said the vote was delayed. Kenya announced talks.')
    mentions = [Mention(text="Mark Ellison", label="PER", field="body", start=0, end=12, score=1.0, actor_id="person:ellison"),
                Mention(text="Kenya", label="LOC", field="body", start=body.index("Kenya"), end=body.index("Kenya") + 5,
                        score=1.0, actor_id="country:KEN")]
    actors = [Actor(actor_id="person:ellison", name="Mark Ellison", kind="person", salience=1.0, mention_count=1),
              Actor(actor_id="country:KEN", name="Kenya", kind="country", salience=0.5, mention_count=1)]
    spans = [_span(body, "We will not resign,", "CONTENT"), _span(body, "he", "SOURCE"), _span(body, "said", "CUE"),
             _span(body, "Officials", "SOURCE"), _span(body, "said", "CUE", 1),
             _span(body, "the vote was delayed", "CONTENT"), _span(body, "Kenya", "SOURCE"),
             _span(body, "announced", "CUE")]
    quotes = link(body, spans, mentions, actors)
    got = [(q.speaker_actor_id, body[q.source.start:q.source.end] if q.source else None,
            body[q.cue.start:q.cue.end], body[q.content.start:q.content.end]) for q in quotes]
    # "announced" has no content left in its paragraph: no quote; "Officials" is neither a
    # name nor a pronoun: unlinked
    assert got == [("person:ellison", "he", "said", "We will not resign,"),
                   (None, "Officials", "said", "the vote was delayed")]

    # the pronoun source stands for its speaker when stance pairs actors; named sources already do
    (extra,) = speaker_mentions(body, quotes, mentions)
    assert (extra.text, extra.actor_id, extra.label) == ("he", "person:ellison", "PER")


@pytest.fixture(scope="module")
def tagger():
    return AttributionTagger()


def test_the_packaged_tagger_finds_source_cue_and_content_in_a_news_paragraph(tagger):
    body = ('"We will not raise taxes this year," Finance Minister Claire Tremblay told reporters on Tuesday.')
    start = body.index("Claire Tremblay")
    mentions = [Mention(text="Claire Tremblay", label="PER", field="body", start=start, end=start + 15, score=1.0,
                        actor_id="person:tremblay")]
    actors = [Actor(actor_id="person:tremblay", name="Claire Tremblay", kind="person", salience=1.0, mention_count=1)]
    (quote,) = tagger.quotes(body, mentions, actors)
    assert quote.speaker_actor_id == "person:tremblay"
    assert body[quote.cue.start:quote.cue.end] == "told"
    assert "We will not raise taxes this year" in body[quote.content.start:quote.content.end]
    assert "Claire Tremblay" in body[quote.source.start:quote.source.end]


@pytest.mark.parametrize("source, speaker", [
    ("Richard Dodd, regional director of the Countryside Alliance,", "person:richard-dodd"),
    ("Grant Wilson of Mellon Bank", "person:grant-wilson"),
    ("Merck's head of research Peter Kim", "person:peter-kim"),
    ("Yukos spokesman Mike Lake", "person:mike-lake"),
    ("a spokesman for Mellon Bank", "organization:mellon-bank"),
    ("A federal court in Chicago", None),
    ("The Kremlin", "location:kremlin"),
    ("Mellon Bank's office in Chicago", "organization:mellon-bank"),
    ("China, a close ally of Pakistan,", "country:CHN"),  # the name opening the phrase heads it
])
def test_the_speaker_is_the_person_who_heads_the_source_phrase(source, speaker):
    body = f'{source} said "the deal is off."'
    names = {"Richard Dodd": ("person:richard-dodd", "person"), "Countryside Alliance": ("organization:ca", "organization"),
             "Grant Wilson": ("person:grant-wilson", "person"), "Mellon Bank": ("organization:mellon-bank", "organization"),
             "Merck": ("person:merck", "person"),  # an organisation the resolution took for a person
             "Peter Kim": ("person:peter-kim", "person"), "Yukos": ("organization:yukos", "organization"),
             "Mike Lake": ("person:mike-lake", "person"), "Chicago": ("location:chicago", "location"),
             "Kremlin": ("location:kremlin", "location"), "China": ("country:CHN", "country"),
             "Pakistan": ("country:PAK", "country")}
    mentions = [Mention(text=n, label="PER", field="body", start=body.index(n), end=body.index(n) + len(n), score=1.0,
                        actor_id=aid) for n, (aid, _) in names.items() if n in body]
    actors = [Actor(actor_id=aid, name=n, kind=kind, salience=1.0, mention_count=1) for n, (aid, kind) in names.items()]
    spans = [EntitySpan(0, len(source), "SOURCE", 0.9), _span(body, "said", "CUE"), _span(body, "the deal is off.", "CONTENT")]
    (quote,) = link(body, spans, mentions, actors)
    assert quote.speaker_actor_id == speaker


def test_thousands_of_quotes_link_each_to_its_own_cue():
    # cues and spans are found by binary search: 3,000 quotes take a fraction of a second (the
    # scan of every span for every cue took minutes)
    body, spans, mentions = "", [], []
    for i in range(3000):
        line = f'Ann Lee{i} said "number {i} is fine." '
        at = len(body)
        spans += [EntitySpan(at, at + len(f"Ann Lee{i}"), "SOURCE", 0.9), EntitySpan(at + line.index("said"), at + line.index("said") + 4, "CUE", 0.9),
                  EntitySpan(at + line.index('"') + 1, at + len(line) - 2, "CONTENT", 0.9)]
        mentions.append(Mention(text=f"Ann Lee{i}", label="PER", field="body", start=at, end=at + len(f"Ann Lee{i}"),
                                score=1.0, actor_id=f"person:ann-lee{i}"))
        body += line
    actors = [Actor(actor_id=m.actor_id, name=m.text, kind="person", salience=1.0, mention_count=1) for m in mentions]
    quotes = link(body, spans, mentions, actors)
    assert [q.speaker_actor_id for q in quotes] == [m.actor_id for m in mentions]
    assert [body[q.content.start:q.content.end] for q in quotes] == [f"number {i} is fine." for i in range(3000)]


def test_each_cue_takes_the_quote_of_its_own_sentence_not_the_next_one():
    # the next sentence's quote is nearer to a cue ('said. "') than its own one is ('," John Smith said')
    body = '"We will fight on," John Smith said. "We will never surrender," Mary Jones said. "It is over," Peter Brown said.'
    people = {"John Smith": "person:smith", "Mary Jones": "person:jones", "Peter Brown": "person:brown"}
    mentions, actors = _persons(body, people)
    quotes_ = ["We will fight on,", "We will never surrender,", "It is over,"]
    spans = ([_span(body, q, "CONTENT") for q in quotes_] + [_span(body, n, "SOURCE") for n in people]
             + [_span(body, "said", "CUE", k) for k in range(3)])
    got = [(q.speaker_actor_id, body[q.content.start:q.content.end]) for q in link(body, spans, mentions, actors)]
    assert got == list(zip(people.values(), quotes_))


def test_a_content_the_tagger_restarts_inside_a_clause_or_a_quotation_is_one_content():
    body = ('Ingrid Solberg praised Iceland for what she called a fair compromise. '
            'Jon Gunnarsson said: "We all know the stock. "We share it." '
            'Mark Ellison said it was "a debate worth having." Full details will follow next week.')
    people = {"Ingrid Solberg": "person:solberg", "Jon Gunnarsson": "person:gunnarsson", "Mark Ellison": "person:ellison"}
    mentions, actors = _persons(body, people)
    spans = ([_span(body, n, "SOURCE") for n in people] + [_span(body, "praised", "CUE"), _span(body, "said", "CUE"),
                                                            _span(body, "said", "CUE", 1)]
             + [_content(body, c) for c in ("Iceland for", "what she called a fair compromise", '"We all know the stock.',
                                             '"We share it."', 'it was "a debate worth having."',
                                             "Full details will follow")])
    got = [(q.speaker_actor_id, body[q.content.start:q.content.end]) for q in link(body, spans, mentions, actors)]
    assert got == [("person:solberg", "Iceland for what she called a fair compromise"),
                   ("person:gunnarsson", '"We all know the stock. "We share it."'),
                   ("person:ellison", 'it was "a debate worth having."')]


def test_a_coordinated_cue_shares_the_source_before_it_and_a_source_stays_in_its_sentence():
    # new-user trial: "… and told reporters that …" and "…, accusing …" had no speaker, and a cue took
    # the source of the next sentence
    body = ('Dmitry Peskov rejected the accusation as "absurd" and told reporters that Moscow had no part in it. '
            'Claire Tremblay rejected the call, accusing the government of delay. '
            'The ministry denied the charge. Mark Ellison said the talks would go on.')
    people = {"Dmitry Peskov": "person:peskov", "Claire Tremblay": "person:tremblay", "Mark Ellison": "person:ellison"}
    mentions, actors = _persons(body, people)
    contents = ('the accusation as "absurd"', "reporters that Moscow had no part in it", "the call",
                "the government of delay", "the charge", "the talks would go on")
    spans = ([_span(body, n, "SOURCE") for n in people]  # "The ministry" is not tagged: "denied" has no source
             + [_span(body, c, "CUE") for c in ("rejected", "told", "accusing", "denied", "said")]
             + [_span(body, "rejected", "CUE", 1)]
             + [_content(body, c) for c in contents])
    got = [(q.speaker_actor_id, body[q.source.start:q.source.end] if q.source else None, body[q.cue.start:q.cue.end],
            body[q.content.start:q.content.end]) for q in link(body, spans, mentions, actors)]
    assert got == [("person:peskov", "Dmitry Peskov", "rejected", 'the accusation as "absurd"'),
                   ("person:peskov", "Dmitry Peskov", "told", "that Moscow had no part in it"),  # not whom it was told
                   ("person:tremblay", "Claire Tremblay", "rejected", "the call"),
                   ("person:tremblay", "Claire Tremblay", "accusing", "the government of delay"),
                   (None, None, "denied", "the charge"),  # not Mark Ellison, the source of the next sentence
                   ("person:ellison", "Mark Ellison", "said", "the talks would go on")]
