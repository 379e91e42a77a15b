"""The in-process pipeline with the packaged models, and the offline command."""

from __future__ import annotations

import json
import subprocess
import sys

from actorwire.ingest.readers import read_inputs
from actorwire.decode import decode_ninjs
from actorwire.messages import DeadLetter, EnrichedArticle, NinjsItem, NinjsText

from .conftest import ROOT, SHARED_DATA

SEED = SHARED_DATA / "seed" / "sample_article.txt"


def test_seed_article_yields_its_actors(pipeline):
    item = decode_ninjs(next(read_inputs([str(SEED)])).value, 10_000_000)
    article = pipeline.run([item])[0]
    kinds = {a.name: a.kind for a in article.actors}
    assert len(article.actors) >= 5
    assert kinds.get("Ukraine") == "country" and kinds.get("Mali") == "country"
    assert kinds.get("Abdoulaye Maiga") == "person"
    # "Prime Minister of Mali Abdoulaye Maiga": his country, and no stance of his toward it or back
    assert next(a.country for a in article.actors if a.name == "Abdoulaye Maiga") == "MLI"
    assert not [s for s in article.stances if {s.source_actor_id, s.target_actor_id} == {"person:abdoulaye-maiga",
                                                                                          "country:MLI"}]
    assert not any("Photo" in a.name or a.name == "Subscribe" for a in article.actors)
    for m in article.mentions:
        text = article.headline if m.field == "headline" else article.body
        assert text[m.start:m.end] == m.text
    quote_speakers = {q.speaker_actor_id for q in article.quotes}
    assert "person:abdoulaye-maiga" in quote_speakers
    actor_ids = {a.actor_id for a in article.actors}
    for q in article.quotes:
        for span in (q.cue, q.content, *([q.source] if q.source else [])):
            assert 0 <= span.start < span.end <= len(article.body) and article.body[span.start:span.end].strip()
    for s in article.stances:
        assert {s.source_actor_id, s.target_actor_id} <= actor_ids and s.source_actor_id != s.target_actor_id
        text = article.headline if s.evidence.field == "headline" else article.body
        assert 0 <= s.evidence.start < s.evidence.end <= len(text)


def test_newswire_statuses(pipeline):
    items = [
        NinjsItem(uri="u1", pubStatus="canceled", headlines=[NinjsText(value="Mali")]),
        NinjsItem(uri="u2", headlines=[NinjsText(value="   ")]),
        NinjsItem(uri="u3", headlines=[NinjsText(value="Le gouvernement malien a annoncé mardi une nouvelle loi")],
                  bodies=[NinjsText(value="Le Premier ministre a déclaré que la loi entrerait en vigueur en janvier.")]),
        NinjsItem(uri="u4", language="de", headlines=[NinjsText(value="Berlin")]),
        NinjsItem(uri="u5", headlines=[NinjsText(value="\u200b\u200b\u200d")], bodies=[NinjsText(value=" -- ")]),
    ]
    assert [a.status for a in pipeline.run(items)] == ["retracted", "no_text", "unsupported_language",
                                                       "unsupported_language", "no_text"]


def test_enrich_command_dead_letters_bad_lines_and_exits_zero(tmp_path):
    good = {"uri": "urn:ok", "language": "en", "headlines": [{"value": "Mali cuts ties with Ukraine"}],
            "bodies": [{"value": "Mali severed diplomatic relations with Ukraine on Sunday, the government said."}]}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({"uri": "x", "bogus": 1}) + "\n")
    page = tmp_path / "page.html"  # no feed entries: no article, dead-lettered with why
    page.write_text("<html><body><p>Kenya backed Ethiopia.</p></body></html>")
    out, dead = tmp_path / "out.jsonl", tmp_path / "dead.jsonl"
    result = subprocess.run([sys.executable, "-m", "actorwire", "enrich", str(src), str(page), "-o", str(out),
                             "--dead-letter", str(dead)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    articles = [EnrichedArticle.model_validate_json(line) for line in out.read_text().splitlines()]
    letters = [DeadLetter.model_validate_json(line) for line in dead.read_text().splitlines()]
    assert [a.article_id for a in articles] == ["urn:ok"]
    assert {a.actor_id for a in articles[0].actors} >= {"country:MLI", "country:UKR"}
    assert [(d.source.offset, d.error_class) for d in letters] == [(1, "JSONDecodeError"), (2, "ValidationError"),
                                                                  (0, "Unreadable")]
    assert "bogus" in letters[1].reason
    assert (letters[2].source.topic, letters[2].reason) == (f"file:{page}", "no entries: not an RSS or Atom feed, "
                                                                            "or an empty one")


def test_sentences_are_found_around_runs_of_symbols_and_urls(pipeline):
    # spaCy's tokenizer is quadratic in a run of symbols: 20,000 "<" took a minute to split
    body = f"Kenya won. {'<' * 20000} Chad lost. See https://example.org/{'a' * 80}. Mali drew."
    item = NinjsItem(uri="urn:x:runs", language="en", headlines=[NinjsText(value="Results")], bodies=[NinjsText(value=body)])
    sentences = [body[s.start:s.end] for s in pipeline.prepare(item).sentences if s.field == "body"]
    assert sentences == ["Kenya won.", f"{'<' * 20000} Chad lost.", f"See https://example.org/{'a' * 80}.", "Mali drew."]
