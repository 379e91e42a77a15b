"""The target-sentiment input encoding (NewsMTSC recipe): the target is marked where it is."""

from actorwire.encoder import load_tokenizer
from actorwire.sentiment.targets import TargetInContext
from actorwire.sentiment.tsc import END, START, encode_targets


def test_target_is_wrapped_in_markers_and_the_head_reads_the_start_marker():
    tokenizer = load_tokenizer()
    text = "Critics said Prime Minister Mark Ellison misled parliament."
    start = text.index("Mark Ellison")
    items = [TargetInContext(text, start, start + len("Mark Ellison")), TargetInContext("Mali", 0, 4)]
    ids, mask, shapes, marker_pos, target_mask = encode_targets(tokenizer, items)
    tokens = tokenizer.convert_ids_to_tokens(ids[0][: int(mask[0].sum())])
    assert tokens[int(marker_pos[0])] == START
    assert [t for t, m in zip(tokens, target_mask[0]) if m] == ["mark", "ellison"]
    assert tokens[tokens.index(START) + 3] == END
    assert tokenizer.convert_ids_to_tokens(ids[1][int(marker_pos[1])].item()) == START
    assert shapes[0][int(marker_pos[0]) + 1] != 0  # the target keeps its casing feature


def test_long_context_is_trimmed_around_the_target():
    tokenizer = load_tokenizer()
    text = "word " * 400 + "Ukraine " + "word " * 400
    start = text.index("Ukraine")
    ids, mask, _, marker_pos, target_mask = encode_targets(tokenizer, [TargetInContext(text, start, start + 7)])
    assert int(mask[0].sum()) <= 160 + 4
    assert tokenizer.convert_ids_to_tokens(ids[0][target_mask[0] == 1].tolist()) == ["ukraine"]


def test_the_packaged_model_reads_how_each_marked_target_is_portrayed():
    from actorwire.sentiment.tsc import TransformerTargetSentiment

    model = TransformerTargetSentiment()
    text = ("Critics accused Mark Ellison of lying to parliament, while voters praised Claire Tremblay "
            "as an honest and effective leader. The committee meets on Tuesday in Ottawa.")
    targets = ["Mark Ellison", "Claire Tremblay", "Ottawa"]
    items = [TargetInContext(text, text.index(t), text.index(t) + len(t)) for t in targets]
    labels = [max(range(3), key=p.__getitem__) for p in model.predict(items)]
    assert labels == [0, 2, 1]  # negative, positive, neutral
    # ONNX Runtime int8 (the default) and PyTorch agree on the distributions
    exact = TransformerTargetSentiment(runtime="torch").predict(items)
    for fast, slow in zip(model.predict(items), exact):
        assert max(abs(a - b) for a, b in zip(fast, slow)) < 0.1
