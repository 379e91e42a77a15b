"""NER: window arithmetic, word-level decoding, and the packaged model on real text."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
import torch

from actorwire.entities.ner import LABELS, EncodedText, TransformerNer, decode_entities, window_ranges
from actorwire.encoder import load_tokenizer

from .conftest import SHARED_DATA


@pytest.fixture(scope="module")
def ner():
    return TransformerNer()


def test_windows_cover_every_piece_with_the_configured_overlap():
    for n in (0, 1, 254, 255, 1000, 7777):
        ranges = window_ranges(n, size=254, overlap=64)
        covered = set()
        for s, e in ranges:
            assert 0 <= s < e <= n or n == 0
            covered.update(range(s, e))
        assert covered == set(range(n))
        for (s1, e1), (s2, _) in zip(ranges, ranges[1:]):
            assert e1 - s2 >= 64


def test_words_are_tagged_by_their_first_piece_and_never_split():
    text = "Washingtonians met Abdoulaye Maiga"
    encoded = _encoded(text)
    assert len(encoded.ids) > 4  # some words have continuation pieces
    # deliberately contradictory tags on continuation pieces: they must be ignored
    rows = []
    for i, w in enumerate(encoded.word_ids):
        first = i == 0 or encoded.word_ids[i - 1] != w
        tag = ("B_LOC" if w == 0 else "O" if w == 1 else "B_PER" if w == 2 else "I_PER") if first else "B_ORG"
        rows.append(_dist(**{tag: 0.9}))
    spans = decode_entities(encoded, torch.stack(rows))
    assert [(text[s.start:s.end], s.label) for s in spans] == [("Washingtonians", "LOC"), ("Abdoulaye Maiga", "PER")]


def _encoded(text):
    enc = load_tokenizer()(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    return EncodedText(enc["input_ids"], offsets, enc.word_ids(), [0] * len(offsets))


def _dist(**weights):
    row = torch.full((len(LABELS),), 0.001)
    for tag, p in weights.items():
        row[LABELS.index(tag.replace("_", "-"))] = p
    return row / row.sum()


def _per_piece(encoded, word_rows):
    return torch.stack([word_rows[w] for w in encoded.word_ids])


def test_decoding_only_produces_valid_iob2_sequences():
    text = "in Paris today"
    encoded = _encoded(text)
    # greedy would read an I-LOC after O; the best valid sequence makes "Paris" B-LOC
    probs = _per_piece(encoded, [_dist(O=0.9), _dist(I_LOC=0.6, B_LOC=0.3), _dist(O=0.9)])
    spans = decode_entities(encoded, probs)
    assert [(text[s.start:s.end], s.label) for s in spans] == [("Paris", "LOC")]


def test_an_inside_tag_of_another_type_never_continues_an_entity():
    text = "Bank Paribas said"
    encoded = _encoded(text)
    probs = _per_piece(encoded, [_dist(B_ORG=0.9), _dist(I_ORG=0.4, I_PER=0.5), _dist(O=0.9)])
    spans = decode_entities(encoded, probs)
    assert [(text[s.start:s.end], s.label) for s in spans] == [("Bank Paribas", "ORG")]


def test_offsets_always_slice_the_mention_on_messy_real_text(ner):
    rng = random.Random(7)
    files = sorted((SHARED_DATA / "bbc_news").rglob("*.txt"))
    texts = [f.read_text(encoding="latin-1") for f in rng.sample(files, 12)]
    texts += ["  Mr. O'Neil-Smith (UN)\tmet\u00a0Ángela Merkel’s aides in São Paulo…",
              "ÉLYSÉE: Macron & Scholz — “Berlin” talks", "", "   ", "x" * 3000]
    for text, spans in zip(texts, ner.predict(texts)):
        for s in spans:
            piece = text[s.start:s.end]
            assert piece and piece == piece.strip() and s.label in {"PER", "ORG", "LOC", "MISC"}
            # whole words: the characters beside a span are not letters or digits of the same word
            assert s.start == 0 or not (text[s.start - 1].isalnum() and piece[0].isalnum())
            assert s.end == len(text) or not (text[s.end].isalnum() and piece[-1].isalnum())
    assert any(spans for spans in ner.predict(texts[:12]))


def test_an_entity_in_the_last_sentence_of_a_15000_word_article_is_found(ner):
    filler = "The committee met again on Tuesday and discussed the budget in great detail . " * 1100
    text = filler + "\nLater , Angela Merkel flew to Brussels ."
    assert len(text.split()) > 15000
    spans = ner.predict([text])[0]
    found = {(text[s.start:s.end], s.label) for s in spans}
    assert ("Angela Merkel", "PER") in found and ("Brussels", "LOC") in found
    assert all(s.start > len(filler) - 1 for s in spans if text[s.start:s.end] in {"Angela Merkel", "Brussels"})


def test_onnx_runtime_finds_the_same_entities_as_pytorch_and_reuses_its_cached_graph(tmp_path):
    files = sorted((SHARED_DATA / "bbc_news" / "politics").glob("*.txt"))[:4]
    texts = [f.read_text(encoding="latin-1") for f in files]
    onnx_ner = TransformerNer(runtime="onnx", cache_dir=tmp_path)
    [graph] = list(tmp_path.glob("ner-*.onnx"))
    exported = graph.stat().st_mtime_ns
    spans = lambda model: [[(s.start, s.end, s.label) for s in doc] for doc in model.predict(texts)]
    found = spans(onnx_ner)
    assert sum(map(len, found)) > 20
    assert found == spans(TransformerNer(runtime="torch"))
    TransformerNer(runtime="onnx", cache_dir=tmp_path)
    assert list(tmp_path.glob("*.onnx")) == [graph] and graph.stat().st_mtime_ns == exported


def test_a_worker_whose_graphs_are_cached_builds_no_torch_network(tmp_path):
    # a fresh process, as a worker starts: the cached graph is loaded without building the torch model,
    # so transformers' modelling code (~260 MB of RSS) is never imported (issue #7: 1.5 GB per worker)
    TransformerNer(runtime="onnx-int8", cache_dir=tmp_path)
    script = ("import sys; from pathlib import Path; from actorwire.entities.ner import TransformerNer; "
              "import actorwire.runtime as runtime; runtime.load_artifact = None; "
              f"model = TransformerNer(runtime='onnx-int8', cache_dir=Path({str(tmp_path)!r})); "
              "print(len(model.predict(['Angela Merkel flew to Brussels.'])[0]), "
              "any('modeling_bert' in name for name in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "False"]
