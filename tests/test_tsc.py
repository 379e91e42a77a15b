"""The marked-span input encoding (NewsMTSC and DSA recipes): each span is marked where it is."""

import pytest

from actorwire.encoder import load_tokenizer
from actorwire.messages import Span
from actorwire.sentiment.marked import MAX_PIECES, MarkedText, encode_marked, markers
from actorwire.sentiment.targets import VADER_WORDS, TargetInContext, VaderSentiment, sentence_finder


def span(text: str, words: str) -> tuple[int, int]:
    return text.index(words), text.index(words) + len(words)


def test_target_is_wrapped_in_markers_and_the_head_reads_the_start_marker():
    tokenizer = load_tokenizer()
    text = "Critics said Prime Minister Mark Ellison misled parliament."
    items = [MarkedText(text, (span(text, "Mark Ellison"),)), MarkedText("Mali", ((0, 4),))]
    ids, mask, shapes, roles = encode_marked(tokenizer, items)
    tokens = tokenizer.convert_ids_to_tokens(ids[0][: int(mask[0].sum())])
    start, end = markers(0)
    assert [t for t, r in zip(tokens, roles[0]) if r == 1] == [start]
    assert [t for t, r in zip(tokens, roles[0]) if r == 2] == ["mark", "ellison"]
    assert tokens[tokens.index(start) + 3] == end
    assert tokenizer.convert_ids_to_tokens(ids[1][roles[1] == 1].tolist()) == [start]
    assert shapes[0][tokens.index(start) + 1] != 0  # the target keeps its casing feature


def test_two_spans_get_their_own_markers_in_reading_order():
    tokenizer = load_tokenizer()
    text = "Ethiopia accused Eritrea of backing the rebels."
    ids, mask, _, roles = encode_marked(tokenizer, [MarkedText(text, (span(text, "Ethiopia"), span(text, "Eritrea")))])
    tokens = tokenizer.convert_ids_to_tokens(ids[0][: int(mask[0].sum())])
    (a, b), (c, d) = markers(0), markers(1)
    assert tokens[:9] == ["[CLS]", a, "ethiopia", b, "accused", c, "eritrea", d, "of"]
    assert [int(r) for r in roles[0][:9]] == [0, 1, 2, 0, 0, 3, 4, 0, 0]


def test_long_context_is_trimmed_around_the_spans():
    tokenizer = load_tokenizer()
    text = "word " * 400 + "Ukraine " + "word " * 100 + "Russia " + "word " * 400
    ids, mask, _, roles = encode_marked(tokenizer, [MarkedText(text, (span(text, "Ukraine"),)),
                                                    MarkedText(text, (span(text, "Ukraine"), span(text, "Russia")))])
    for row in range(2):
        assert int(mask[row].sum()) <= MAX_PIECES + 2 + 4
    assert tokenizer.convert_ids_to_tokens(ids[0][roles[0] == 2].tolist()) == ["ukraine"]
    assert tokenizer.convert_ids_to_tokens(ids[1][roles[1] == 4].tolist()) == ["russia"]


def test_the_packaged_model_reads_how_each_marked_target_is_portrayed():
    from actorwire.sentiment.tsc import TransformerTargetSentiment

    model = TransformerTargetSentiment()
    text = ("Critics accused Mark Ellison of lying to parliament, while voters praised Claire Tremblay "
            "as an honest and effective leader. The committee meets on Tuesday in Ottawa.")
    targets = ["Mark Ellison", "Claire Tremblay", "Ottawa"]
    items = [TargetInContext(text, text.index(t), text.index(t) + len(t)) for t in targets]
    labels = [max(range(3), key=p.__getitem__) for p in model.predict(items)]
    assert labels == [0, 2, 1]  # negative, positive, neutral
    assert model.predict([]) == []  # the sentiment worker's warm-up asks for nothing
    # ONNX Runtime int8 (the default) and PyTorch agree on the distributions
    exact = TransformerTargetSentiment(runtime="torch").predict(items)
    for fast, slow in zip(model.predict(items), exact):
        assert max(abs(a - b) for a, b in zip(fast, slow)) < 0.1


def test_each_mention_is_scored_in_the_sentence_that_holds_it():
    body = "Kenya won. Chad lost the final. Mali drew."
    spans = [Span(field="body", start=k, end=k + n) for k, n in ((0, 10), (11, 20), (32, 10))]
    find = sentence_finder([Span(field="headline", start=0, end=12)] + spans[::-1])  # any order
    assert [find("body", *span(body, w)) for w in ("Kenya", "Chad", "final", "Mali")] == [spans[0], spans[1], spans[1], spans[2]]
    assert find("headline", 0, 4) == Span(field="headline", start=0, end=12)
    assert find("body", *span(body, "lost the final. Mali")) is None  # across two sentences
    assert find("body", 10, 11) is None  # between sentences


def test_vader_reads_a_sentence_of_thousands_of_words_in_runs():
    vader = VaderSentiment()
    calls = []
    scores = vader.analyzer.polarity_scores
    vader.analyzer.polarity_scores = lambda text: calls.append(len(text.split())) or scores(text)
    good, bad = "The minister praised the excellent deal. ", "The attack was a terrible disaster. "
    assert vader.compound(good) == scores(good)["compound"]  # a news sentence: VADER's own score
    long = good * 150 + bad * 150  # 1,800 words: runs of at most VADER_WORDS
    probs = vader.predict([TargetInContext(long, 0, 3)] * 40)  # one context, read once
    assert len(set(probs)) == 1 and max(calls[1:]) <= VADER_WORDS and sum(calls[1:]) == 1800
    runs = [" ".join(long.split()[k:k + VADER_WORDS]) for k in range(0, 1800, VADER_WORDS)]
    expected = sum(scores(run)["compound"] for run in runs) / 9
    assert vader.compound(long) == pytest.approx(expected)
