"""Lists of names: a sentence or a stretch of one that names actors without saying anything about
them ("Kenya, Uganda and Ethiopia"; a team sheet: "J Robinson (Sale Sharks, capt); M Cueto, J
Noon…"). Neither target sentiment nor stance reads anything there (issue #5), and such sentences
cost the most model passes (issue #7): every name is one target-sentiment item and every nearby
pair one stance item. What is left is read up to :data:`MAX_ITEMS` items per article and model
(:func:`spread`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence

from actorwire.messages import Mention, Span

# what separates the items of a list (:func:`listed`): punctuation, "and", "or", "v"
_LIST_GAP = re.compile(r"^(?:['’]s)?[\s,;/&()–-]*(?:(?:and|or|v|vs\.?|versus)[\s,;/&()–-]*)?$", re.IGNORECASE)
_LIST_WORDS = {"and", "or", "v", "vs", "versus"}
# a word (not one glued to digits: "60m"), or a parenthesis
_WORD_OR_PAREN = re.compile(r"[()]|\b[^\W\d_]+\b")
# a name list has at least NAME_LIST_MIN names and at most one other word per NAME_LIST_WORDS names,
# none of them lower-case outside parentheses (a verb: "Germany, France and Spain sued Russia" is a
# statement; "(capt)" in a team sheet is not): see name_list for what this picks on BBC articles
NAME_LIST_MIN = 4
NAME_LIST_WORDS = 4


def listed(text: str, first: Mention, second: Mention, mentions: Sequence[Mention]) -> bool:
    """Whether ``first`` and ``second`` are items of one list ("Kenya, Uganda and Ethiopia", a
    team sheet): nothing but separators and other names between them. No stance is written
    between two such names; on DSA, such pairs are none in valid and test (69 of 69; the model
    reads them all as none too, so ``actorwire eval dsa`` is unchanged) and in train in 235 of
    245. On 80 BBC articles, 13% of the pairs were such, and leaving them out removed
    two of 145 edges ("Celtic and Rangers" favor; "USADA (United States Anti-Doping Agency)", one
    body named twice, against itself)."""
    gap, pos = [], first.end
    for m in mentions:
        if first.end <= m.start and m.end <= second.start:
            gap.append(text[pos : m.start])
            pos = m.end
    gap.append(text[pos : second.start])
    return all(_LIST_GAP.match(part) for part in gap)


def name_list(text: str, start: int, end: int, mentions: Sequence[Mention]) -> bool:
    """Whether the sentence ``text[start:end]`` is a list of names: at least :data:`NAME_LIST_MIN`
    of ``mentions`` (all of the sentence's mentions, in text order), at most one word outside them
    per :data:`NAME_LIST_WORDS` of them ("and", "or", "v" not counted; numbers are not words), and
    no lower-case word among those outside parentheses. On 400 BBC articles this picks 45 of the
    819 sentences naming four actors or more, every one a team sheet, squad, results line or
    shortlist ("J Robinson (Sale Sharks, capt); M Cueto (Sale Sharks)…", "Replacements: …")."""
    if len(mentions) < NAME_LIST_MIN:
        return False
    gaps, pos = [], start
    for m in mentions:
        gaps.append(text[pos : max(pos, m.start)])
        pos = max(pos, m.end)
    gaps.append(text[pos:end])
    words, depth = 0, 0
    for token in _WORD_OR_PAREN.findall(" ".join(gaps)):
        if token in "()":
            depth = depth + 1 if token == "(" else max(0, depth - 1)
        elif token.lower() not in _LIST_WORDS:
            if token[0].islower() and depth == 0:
                return False
            words += 1
    return words * NAME_LIST_WORDS <= len(mentions)


def name_list_sentences(texts: dict[str, str], sentences: Sequence[Span],
                        mentions: Sequence[Mention]) -> set[tuple[str, int, int]]:
    """``(field, start, end)`` of the ``sentences`` that are lists of names (:func:`name_list`),
    judged on all ``mentions`` lying wholly inside each (found by binary search)."""
    ordered = sorted(mentions, key=lambda m: (m.field, m.start))
    keys = [(m.field, m.start) for m in ordered]
    lists = set()
    for sent in sentences:
        lo, hi = bisect_left(keys, (sent.field, sent.start)), bisect_left(keys, (sent.field, sent.end))
        if name_list(texts[sent.field], sent.start, sent.end, [m for m in ordered[lo:hi] if m.end <= sent.end]):
            lists.add((sent.field, sent.start, sent.end))
    return lists


# items one article gives one model, at most (:func:`spread`): about 40 times what a long news
# article gives (BBC: ~25 mentions and ~14 pairs per article), so no news is cut, while text made of
# little but names (thousands in one sentence, or thousands of two-name sentences) costs the models
# at most this many contexts of MAX_PIECES (:mod:`actorwire.sentiment.marked`), not one per name
MAX_ITEMS = 1000


def spread(keys: Sequence[Hashable], limit: int = MAX_ITEMS) -> list[int]:
    """Indices, ascending, of the items to read when at most ``limit`` may be: all of them when
    there are that few, else every key's first item, then every key's second, and so on, earlier
    items first within a round (``keys[i]``: the actor, or actor pair, item ``i`` is about). So
    every actor keeps its first mentions when an article has too many to read."""
    if len(keys) <= limit:
        return list(range(len(keys)))
    seen: Counter = Counter()
    rounds = []
    for key in keys:
        rounds.append(seen[key])
        seen[key] += 1
    return sorted(sorted(range(len(keys)), key=lambda i: (rounds[i], i))[:limit])
