"""Actor resolution: every mention of an article linked to one canonical actor with a stable id.

Rules, applied in order (issue #4):

1. Boilerplate is not an actor: mentions inside photo credits (``© AP Photo / ...``), bylines,
   "Subscribe"-style labels and other furniture lines get no actor, nor the place and agency of a
   wire dateline opening the body or one of its paragraphs ("NEW DELHI (AFP) -": where and by
   whom it was filed; digests of several stories have one per story).
2. Countries: names, official names, alternative spellings, demonyms and their plurals map to one
   country actor whatever the NER label (``Mali`` tagged PER, ``Ukrainians`` tagged MISC). Data:
   ``countryinfo`` (MIT). Organisations opening with a demonym or country name keep it as their
   ``country`` affiliation (``Russian Foreign Ministry`` → organization, RUS).
3. People: honorifics and role words are stripped; a name whose words are a tail or head of a
   fuller name in the article (``Maiga``, ``Mr Howard``) joins that person. A lone word that NER
   calls a person no more often than something else in the article, with no title before it,
   takes the other label (``Yukos`` tagged PER three times and ORG eleven times is an organisation).
4. Organisations: a government named by its seat (``Kremlin``, ``White House``, ``Downing
   Street``) is an organisation of its country, and a news agency (``Sputnik``, ``Xinhua``) an
   organisation, whatever the NER label. Acronyms join the expansion whose initials they spell
   when the article has it, or a well-known expansion (``UN`` ↔ ``United Nations``). Two
   organisations tagged as one ("Midland Rail and Great Lakes Freight", each also named apart)
   are no actor.
5. Role nouns (``the prime minister``) tied to a named holder earlier in the article ("Prime
   Minister of Mali Abdoulaye Maiga") become extra mentions of that person (``source="role"``).
6. Headline and subheading fragments become actors only when they resolve to a country or to an
   actor named in running text.
7. A person's ``country`` is the country named right before their title ("Kenyan President David
   Mwangi", "Russia's President Vladimir Putin", "Brazil's sports minister Ana Moser"), the country
   of an organisation named there ("Kremlin spokesman Dmitry Peskov") or the one at the head of
   their tagged name ("Prime Minister of Mali Abdoulaye Maiga"), the first one the article gives.

``actor_id`` is ``<kind>:<slug of canonical name>`` (countries: ``country:<ISO 3166 alpha-3>``), so
the same actor has the same id in every article.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from actorwire.messages import Actor, Mention

HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "professor", "president",
              "minister", "premier", "chancellor", "senator", "sen", "rep", "gov", "governor", "general", "gen",
              "king", "queen", "prince", "princess", "pope", "rev", "judge", "justice", "mayor", "secretary",
              "prime", "foreign", "defence", "defense", "spokesman", "spokeswoman", "spokesperson", "chairman",
              "chairwoman", "ceo", "colonel", "col", "captain", "capt", "sheikh", "ayatollah", "st", "the"}
ROLE_NOUNS = ["prime minister", "president", "foreign minister", "defence minister", "defense minister",
              "finance minister", "interior minister", "chancellor", "secretary-general", "secretary general",
              "spokeswoman", "spokesman", "spokesperson", "king", "queen", "pope", "governor", "mayor",
              "chief executive", "chairman", "chairwoman", "leader", "minister", "ambassador", "commander"]
# words of a title between an affiliation and the person it describes ("chief executive", "opposition leader")
TITLE_WORDS = {w for role in ROLE_NOUNS for w in role.replace("-", " ").split()} | {
    "opposition", "deputy", "vice", "former", "acting", "executive", "head", "director", "official", "officer",
    "senator", "founder", "boss", "coach", "manager", "envoy", "general", "party", "state", "chief", "ceo", "chair",
    "counterpart", "analyst", "economist", "professor"}
# a minister's or secretary's portfolio, before the title word ("Brazil's sports minister Ana Moser",
# "Britain's home secretary"): part of the title, never its last word
PORTFOLIOS = {"sport", "sports", "health", "trade", "justice", "education", "culture", "energy", "economy",
              "agriculture", "transport", "environment", "labour", "labor", "information", "security", "industry",
              "home", "tourism", "housing", "climate", "development"}
_GAP = re.compile(r"^(?:['’]s)?[\w\s-]*$")


def title_between(gap: str, headline: bool = False) -> bool:
    """Whether ``gap``, the text between an affiliation and the person named after it, is only the
    person's title: at most four words, the last a title word (:data:`TITLE_WORDS`), the others
    title words, portfolios (:data:`PORTFOLIOS`) or, outside the (title-case) headline, capitalised
    ("Kenyan|President|David Mwangi", "Norwegian| Fisheries Minister |Ingrid Solberg",
    "Russia|'s President |Vladimir Putin", "Brazil|'s sports minister |Ana Moser")."""
    words = re.sub(r"^['’]s", " ", gap).split()
    return (bool(_GAP.match(gap)) and 1 <= len(words) <= 4 and words[-1].lower() in TITLE_WORDS
            and all(w.lower() in TITLE_WORDS or w.lower() in PORTFOLIOS or (not headline and w[0].isupper())
                    for w in words))


# "former", "ex-", "late", "then" up to two words before a role noun ("former US president")
_PAST_HOLDER = re.compile(r"\b(?:former|ex|late|then|onetime|one-time)(?:\s+|-)(?:[\w.'’-]+\s+){0,2}$")
# Expansions for acronyms that articles rarely spell out (checked against the article first).
KNOWN_ACRONYMS = {"UN": "United Nations", "EU": "European Union", "NATO": "North Atlantic Treaty Organization",
                  "WHO": "World Health Organization", "IMF": "International Monetary Fund",
                  "OPEC": "Organization of the Petroleum Exporting Countries", "AU": "African Union",
                  "ECOWAS": "Economic Community of West African States", "FBI": "Federal Bureau of Investigation",
                  "CIA": "Central Intelligence Agency", "BBC": "British Broadcasting Corporation",
                  "WTO": "World Trade Organization", "ICC": "International Criminal Court"}
# a government named by its seat ("the Kremlin said"): an organisation of that country, not a place
SEATS_OF_GOVERNMENT = {"kremlin": ("Kremlin", "RUS"), "white house": ("White House", "USA"),
                       "downing street": ("Downing Street", "GBR"), "elysee": ("Elysee", "FRA"),
                       "élysée": ("Elysee", "FRA"), "elysee palace": ("Elysee", "FRA"),
                       "élysée palace": ("Elysee", "FRA"), "zhongnanhai": ("Zhongnanhai", "CHN")}
# news agencies NER takes for places or people ("Sputnik" tagged LOC): organisations (not
# "Bloomberg" or "AP": a person, a state of India)
NEWS_AGENCIES = {name.lower(): name for name in (
    "Reuters", "AFP", "Agence France-Presse", "Associated Press", "Sputnik", "Xinhua", "TASS", "Interfax",
    "RIA Novosti", "Anadolu", "Anadolu Agency", "Kyodo", "Yonhap", "EFE", "ANSA", "dpa", "IRNA",
    "Press Trust of India", "Bernama", "Antara")}
_BOILERPLATE_LINE = re.compile(
    r"^\s*(©|\(c\)|copyright\b|photo\s*:|photograph\s*:|image\s*:|credit\s*:|getty images|"
    r"subscribe|sign up|advertisement|read more|related\s*:|share this|follow us|click here|by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}\s*$)",
    re.IGNORECASE)
_CREDIT = re.compile(r"©|\b(AP|AFP|Reuters|Getty|EPA|Sputnik|Xinhua|Anadolu)\s*(Photo|Images|/)", re.IGNORECASE)
# a wire dateline opening the body or a paragraph: the place in capitals, maybe a region and a date,
# the agency in brackets, a dash ("NEW DELHI (AFP) -", "LONDON, Dec 1 (Reuters) -", "BEIJING, China (AP) —")
_DATELINE = re.compile(r"^[ \t]*[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+)*(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)*)?"
                       r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})? \([A-Za-z][A-Za-z.&/ -]{0,30}\) ?[-–—]+ ", re.MULTILINE)


@dataclass(frozen=True)
class Country:
    """One country of the gazetteer: canonical English name and ISO 3166 alpha-3 code."""

    name: str
    alpha3: str


@lru_cache(maxsize=1)
def country_gazetteer() -> dict[str, Country]:
    """Lower-cased name, official name, alternative spelling, demonym and demonym plural → country.

    Built once from ``countryinfo`` (MIT). Two-letter codes are left out (``IN``, ``IT``, ``US`` are
    words too) except a few unambiguous upper-case forms added in :func:`_country_key`. A name that
    several countries share goes to the most populous: "Indian" is India, not the British Indian
    Ocean Territory; "American" the United States, not the Northern Mariana Islands; "Dominican"
    the Dominican Republic.
    """
    from countryinfo import CountryInfo

    table: dict[str, Country] = {}
    for info in sorted(CountryInfo.all().values(), key=lambda i: -(i.get("population") or 0)):
        iso = info.get("ISO") or {}
        if not iso.get("alpha3") or not info.get("name"):
            continue
        country = Country(info["name"], iso["alpha3"])
        names = [info["name"], *(s for s in info.get("altSpellings") or [] if len(s) > 3)]
        demonym = info.get("demonym")
        if demonym:
            names += [demonym, demonym + "s"] if not demonym.endswith(("sh", "ch", "ese", "s")) else [demonym]
        for name in names:
            table.setdefault(name.lower(), country)
    for alias, alpha3 in {"britain": "GBR", "great britain": "GBR", "england": "GBR", "russia": "RUS",
                          "america": "USA", "the united states": "USA", "u.s.": "USA", "us": "USA",
                          "u.k.": "GBR", "uk": "GBR", "uae": "ARE", "drc": "COD", "burkina": "BFA",
                          "south korea": "KOR", "north korea": "PRK", "iran": "IRN", "syria": "SYR",
                          "vietnam": "VNM", "brits": "GBR", "britons": "GBR", "french": "FRA",
                          "frenchman": "FRA", "nigerien": "NER", "nigeriens": "NER", "israelis": "ISR",
                          "palestinian": "PSE", "palestinians": "PSE", "dutch": "NLD", "swiss": "CHE",
                          "chinese": "CHN", "japanese": "JPN", "kiwi": "NZL",
                          # adjectives that differ from countryinfo's demonym ("Icelander", "Saudi Arabian")
                          "icelandic": "ISL", "danes": "DNK", "saudi": "SAU", "saudis": "SAU", "philippine": "PHL",
                          "argentine": "ARG", "argentinian": "ARG", "bosnian": "BIH", "slovenian": "SVN",
                          "kazakh": "KAZ", "uzbek": "UZB", "kyrgyz": "KGZ", "tajik": "TJK", "nepali": "NPL",
                          "ecuadorian": "ECU", "somalian": "SOM", "luxembourgish": "LUX",
                          "djiboutian": "DJI", "cape verdean": "CPV"}.items():
        match = next((c for c in table.values() if c.alpha3 == alpha3), None)
        if match:
            table.setdefault(alias, match)
    return table


_EDGE_WORDS = re.compile(r"^(?:(?:the|a|an|and|of|in|for)\s+)+|(?:\s+(?:and|of|in|for|the|'s|’s))+$", re.IGNORECASE)
# more words NER takes along at a sentence start ("With the Prodigy") or before a verb ("Smart will"),
# matched as written: "AT&T", "AS Roma" keep their capitals
_EDGE_WORDS_CASED = re.compile(r"^(?:(?:With|Without|From|By|After|But|When|While)\s+)+|"
                               r"(?:\s+(?:a|an|to|at|on|by|from|with|without|will|would|has|had|have|is|was|were))+$")


def _halves(text: str, separator: str) -> list[tuple[str, str]]:
    """Every way to cut ``text`` in two at one ``separator``."""
    cuts = text.split(separator)
    return [(separator.join(cuts[:k]), separator.join(cuts[k:])) for k in range(1, len(cuts))]


def _clean_name(text: str) -> str:
    """A mention's text as a name: function words NER sometimes takes along at either end dropped
    ("Midland Rail and" → "Midland Rail", "the Council" → "Council", "With the Prodigy" → "Prodigy",
    "Smart will" → "Smart")."""
    name = text.strip()
    for pattern in (_EDGE_WORDS_CASED, _EDGE_WORDS):
        name = pattern.sub("", name) or name
    return name


def _country_key(text: str) -> Country | None:
    gazetteer = country_gazetteer()
    key = text.strip().lower()
    key = re.sub(r"['’]s$", "", key)
    if key.startswith("the ") and key not in gazetteer:
        key = key[4:]
    if key in ("us", "uk", "uae", "drc") and text.strip() != text.strip().upper():
        return None  # "us" the pronoun
    return gazetteer.get(key)


# Latin letters that do not decompose into a base letter and an accent
_LATIN_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l",
                                "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "ı": "i"})


def slug(name: str) -> str:
    """Lower-case, hyphenated form of a name, used inside actor ids: Latin letters without their
    accents ("Zoë O'Brien" → ``zoe-o-brien``, "Bjørn" → ``bjorn``), the letters of other scripts as
    they are ("Владимир Путин" → ``владимир-путин``, "习近平" → ``习近平``), so that names in
    different scripts never share an id; ``unnamed`` for a name without letters or digits."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LATIN_LETTERS))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", re.sub(r"[\W_]+", "-", folded.lower()).strip("-")) or "unnamed"


def _matchable(text: str) -> str:
    """A mention's text as names are compared: NFC, without format characters (a soft hyphen or a
    zero-width space inside "Ger\u00admany"; a decomposed "Franc\u0327ois" composed)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Cf"))


def _name_words(text: str) -> list[str]:
    words = re.findall(r"[\w][\w.'’-]*", text)
    while words and words[0].lower().rstrip(".") in HONORIFICS:
        words = words[1:]
    return [re.sub(r"['’]s$", "", w) for w in words]


def _person_words(text: str) -> list[str]:
    """Name words of a person mention: honorifics and a leading country name dropped
    ("Prime Minister of Mali Abdoulaye Maiga" tagged from "Mali" on → "Abdoulaye Maiga")."""
    words = _name_words(text)
    if len(words) >= 3 and _country_key(words[0]):
        words = words[1:]
    return words


def _titled(text: str, start: int) -> bool:
    """Whether a title or honorific stands right before ``start`` ("Governor Linda Park", "Mr
    Howard"): the name is a person whatever label NER gave it."""
    before = re.search(r"([A-Za-z.]+)\s+$", text[max(0, start - 30) : start])
    return bool(before) and before.group(1).lower().rstrip(".") in HONORIFICS - {"the", "st", "foreign", "prime"}


def _initials(text: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", text) if w[0].isupper())


class _Lines:
    """The lines of an article body, each judged once: page furniture (credits, bylines, labels;
    not reporting) or not, running text or a title-like line (short, no final punctuation, mostly
    capitalised words). Offsets find their line by binary search, so many mentions on a few long
    lines cost no quadratic time."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._running: dict[tuple[int, int], bool] = {}
        self._furniture: dict[int, bool] = {}

    def _line(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def _end(self, line: int) -> int:
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)

    def furniture(self, offset: int) -> bool:
        """Whether ``offset`` lies on a furniture line (not on its line break)."""
        k = self._line(offset)
        if k not in self._furniture:
            line = self.text[self.starts[k] : self._end(k)]
            self._furniture[k] = bool(_BOILERPLATE_LINE.match(line) or _CREDIT.search(line) and len(line) < 200)
        return self._furniture[k] and offset < self._end(k)

    def running(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` sits in running text rather than on a title-like line."""
        key = self._line(start), self._line(end)
        if key not in self._running:
            words = self.text[self.starts[key[0]] : self._end(key[1])].split()
            title_like = sum(w[0].isupper() for w in words if w[0].isalpha()) >= 0.6 * len(words)
            title_line = len(words) <= 14 and title_like and words[-1][-1] not in ".!?\"”'’:"
            self._running[key] = bool(words) and not title_line
        return self._running[key]


def overlap_finder(spans: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """``overlaps(start, end)``: whether any of the ``[start, end)`` ``spans`` (non-empty) overlaps
    ``[start, end)``. A binary search over the spans' starts with the furthest end reached so far:
    O(log n) per question, so an article of thousands of mentions costs no quadratic time."""
    ordered = sorted(spans)
    starts = [a for a, _ in ordered]
    reach = list(accumulate((b for _, b in ordered), max))  # reach[k]: the furthest end of ordered[: k + 1]

    def overlaps(start: int, end: int) -> bool:
        k = bisect_left(starts, end)  # the spans starting before ``end``
        return k > 0 and reach[k - 1] > start

    return overlaps


@dataclass
class _Draft:
    kind: str
    name: str
    country: str | None = None
    members: list[int] = field(default_factory=list)  # indices of its mentions in the sorted mentions


def resolve_actors(headline: str, body: str, mentions: list[Mention]) -> tuple[list[Mention], list[Actor]]:
    """Link ``mentions`` (NER output for both fields) to canonical actors.

    Returns the mentions in text order (headline first) with ``actor_id`` set (or ``None`` for
    boilerplate and unresolved fragments), plus added ``source="role"`` mentions, and the actors
    sorted by salience, highest first. Offsets are never changed. Lookups are indexed, so the time
    grows with the number of mentions times the log of it, not its square (a hostile article of
    thousands of names on one line stays cheap).
    """
    texts = {"headline": headline, "body": body}
    lines = _Lines(body)
    drafts: dict[str, _Draft] = {}
    assigned: dict[int, str] = {}
    original = sorted(mentions, key=lambda m: (m.field != "headline", m.start))
    # matched on their _matchable text; the mentions returned keep theirs
    ordered = [m if (text := _matchable(m.text)) == m.text else m.model_copy(update={"text": text}) for m in original]
    org_words: dict[str, set[str]] = defaultdict(set)  # first and last word of an organisation's name → its ids

    in_dateline = overlap_finder(match.span() for match in _DATELINE.finditer(body))

    def in_furniture(m: Mention) -> bool:
        in_body = m.field == "body" and (in_dateline(m.start, m.end) or lines.furniture(m.start))
        return in_body or bool(_CREDIT.search(m.text))

    def add(i: int, kind: str, name: str, country: str | None = None, actor_id: str | None = None) -> None:
        actor_id = actor_id or f"{kind}:{slug(name)}"
        if actor_id not in drafts and kind == "organization" and name.split():
            org_words[name.split()[0]].add(actor_id)
            org_words[name.split()[-1]].add(actor_id)
        draft = drafts.setdefault(actor_id, _Draft(kind, name, country))
        draft.members.append(i)
        assigned[i] = actor_id

    candidates = [i for i, m in enumerate(ordered) if not in_furniture(m)]
    # how often NER gave each exact text each label: a lone word it calls a person only now and
    # then ("Yukos" 3 times PER, 11 times ORG) is not one
    votes: dict[str, Counter] = defaultdict(Counter)
    for i in candidates:
        votes[ordered[i].text][ordered[i].label] += 1
    label_of: dict[int, str] = {}  # mentions read with another label than NER's
    # 1. countries, whatever the NER label
    people, rest = [], []
    for i in candidates:
        m = ordered[i]
        country = _country_key(m.text)
        if country:
            add(i, "country", country.name, country.alpha3, f"country:{country.alpha3}")
        elif _titled(texts[m.field], m.start):
            people.append(i)
        elif m.label == "PER":
            tally = votes[m.text]
            other, count = max(((label, n) for label, n in tally.items() if label != "PER"), key=lambda ln: ln[1],
                               default=(None, 0))
            if len(_person_words(m.text)) == 1 and count >= tally["PER"]:
                label_of[i] = other
                rest.append(i)
            else:
                people.append(i)
        else:
            rest.append(i)
    # 2. people: longest name first; shorter names (any label: NER often calls a lone surname
    #    ORG or LOC) join the person whose name they begin or end
    # a person's full name, and each shorter run of words that begins or ends it → the first
    # person (longest names first) with that name
    persons: dict[tuple[str, ...], str] = {}

    def person_of(words: list[str]) -> str | None:
        return persons.get(tuple(w.lower() for w in words))

    for i in sorted(people, key=lambda i: -len(_person_words(ordered[i].text))):
        words = _person_words(ordered[i].text)
        if not words:
            continue
        match = person_of(words)
        if match:
            add(i, "person", drafts[match].name, actor_id=match)
        else:
            add(i, "person", " ".join(words))
            full = tuple(w.lower() for w in words)
            for k in range(1, len(full) + 1):
                persons.setdefault(full[:k], assigned[i])
                persons.setdefault(full[-k:], assigned[i])
    orgs, others = [], []
    for i in rest:
        m = ordered[i]
        words = _person_words(m.text)
        if not words:
            continue  # titles and articles only ("The", "General" tagged apart from the name): no actor
        label = label_of.get(i, m.label)
        match = person_of(words) if len(m.text.split()) <= 2 else None
        key = re.sub(r"^the\s+", "", m.text.lower())
        seat = SEATS_OF_GOVERNMENT.get(key)
        if seat:
            add(i, "organization", seat[0], seat[1])
        elif key in NEWS_AGENCIES:
            add(i, "organization", NEWS_AGENCIES[key])
        elif match:
            add(i, "person", drafts[match].name, actor_id=match)
        elif label == "ORG":
            orgs.append(i)
        else:
            others.append(i)
    # 3. organisations: full names first, then acronyms that spell one of them and lone words
    #    that begin or end exactly one of them ("the Council" → "UN Security Council",
    #    "Northstar" → "Northstar Devices")
    expansions: dict[str, str] = {}
    ending_at: dict[tuple[str, int], int] = {}  # (field, end) → the first candidate mention ending there
    for j in candidates:
        ending_at.setdefault((ordered[j].field, ordered[j].end), j)
    # two organisations NER tagged as one ("Midland Rail and Great Lakes Freight", each named apart
    # elsewhere in the article) are neither: no actor
    org_names = {i: _clean_name(ordered[i].text) for i in orgs}
    named = set(org_names.values())
    orgs = [i for i in orgs if not any(first in named and second in named
                                       for first, second in _halves(org_names[i], " and "))]
    for i in sorted(orgs, key=lambda i: (ordered[i].text.isupper(), -len(ordered[i].text.split()))):
        m = ordered[i]
        text = org_names[i]
        if text.isupper() and 2 <= len(text) <= 8 and (expansions.get(text) or KNOWN_ACRONYMS.get(text)):
            add(i, "organization", expansions.get(text) or KNOWN_ACRONYMS[text])
            continue
        if " " not in text:
            heads = {aid for aid in org_words.get(text, ()) if drafts[aid].name != text}
            if len(heads) == 1:
                aid = heads.pop()
                add(i, "organization", drafts[aid].name, actor_id=aid)
                continue
        leading = re.match(r"([A-Z][\w’'-]+)\s+(.+)$", text)
        affiliation = _country_key(leading.group(1)) if leading else None
        if affiliation is None:  # "Russian Foreign Ministry" tagged as "Russian" + "Foreign Ministry"
            adjacent = [ending_at[k] for k in ((m.field, m.start), (m.field, m.start - 1)) if k in ending_at]
            before = ordered[min(adjacent)] if adjacent else None
            affiliation = _country_key(before.text) if before else None
            if affiliation:
                text = f"{before.text} {text}"
        add(i, "organization", text, affiliation.alpha3 if affiliation else None)
        expansions.setdefault(_initials(text), text)
    # 4. locations and groups
    for i in others:
        m, label = ordered[i], label_of.get(i, ordered[i].label)
        if label == "LOC":
            add(i, "location", re.sub(r"^(the|The)\s+", "", m.text))
        elif label == "MISC" and re.fullmatch(r"[A-Z][a-z]+s", m.text):
            add(i, "group", m.text)
    # 5. headline and subheading fragments need support from running text (countries need none)
    for actor_id, draft in list(drafts.items()):
        if draft.kind == "country":
            continue
        body_mentions = (ordered[i] for i in draft.members if ordered[i].field == "body")
        if not any(lines.running(m.start, m.end) for m in body_mentions):
            for i in draft.members:
                assigned.pop(i, None)
            del drafts[actor_id]
    # 6. a person's country: one named right before their title ("Kenyan President David Mwangi",
    #    "Russia's President Vladimir Putin"), or the country of an organisation named there
    #    ("Kremlin spokesman Dmitry Peskov", "Russian Foreign Ministry spokeswoman Maria Zakharova"),
    #    or at the head of their tagged name ("Prime Minister of Mali Abdoulaye Maiga" tagged from "Mali")
    for i, actor_id in sorted(assigned.items()):
        draft, m = drafts[actor_id], ordered[i]
        if draft.kind != "person" or draft.country:
            continue
        words = _name_words(m.text)
        head = _country_key(words[0]) if len(words) >= 3 else None
        country = head.alpha3 if head else None
        before = drafts.get(assigned.get(i - 1, ""))
        if (country is None and before is not None and before.kind in ("country", "organization")
                and ordered[i - 1].field == m.field
                and title_between(texts[m.field][ordered[i - 1].end : m.start], m.field == "headline")):
            country = before.country
        draft.country = country
    linked = [m.model_copy(update={"actor_id": assigned.get(i)}) for i, m in enumerate(original)]
    linked += _role_mentions(body, linked, drafts)
    linked.sort(key=lambda m: (m.field != "headline", m.start))
    return linked, _actors(drafts, linked, texts)


def _role_mentions(body: str, mentions: list[Mention], drafts: dict[str, _Draft]) -> list[Mention]:
    """Mentions for role nouns ("the prime minister") whose holder the article named beside the role.

    A past holder ("former president Donald Trump", "ex-prime minister …") is not the holder: "the
    president" later in the article is someone else."""
    holders: dict[str, str] = {}
    people = [m for m in mentions if m.field == "body" and m.actor_id and drafts[m.actor_id].kind == "person"]
    for m in people:
        before = body[max(0, m.start - 60) : m.start].lower()
        for role in ROLE_NOUNS:
            if found := re.search(rf"\b{re.escape(role)}\b[\w\s,]{{0,30}}$", before):
                if not _PAST_HOLDER.search(before[: found.start()]):
                    holders.setdefault(role, m.actor_id)
                break
    added = []
    taken = overlap_finder((m.start, m.end) for m in mentions if m.field == "body")
    named_from: dict[str, int] = {}  # each person's first body mention
    for m in people:
        named_from[m.actor_id] = min(m.start, named_from.get(m.actor_id, m.start))
    for role, actor_id in holders.items():
        for match in re.finditer(rf"\b(?:the|The)\s+(?:[A-Z][a-z]+\s+)?({re.escape(role)})\b(?!\s+of\b)", body):
            start, end = match.span(1)
            # a mention over the role noun, or starting within two characters after it ("President Biden")
            if taken(start, end + 3) or match.start() < named_from[actor_id]:
                continue
            added.append(Mention(text=body[start:end], label="PER", field="body", start=start, end=end,
                                 actor_id=actor_id, score=0.5, source="role"))
    return added


def _actors(drafts: dict[str, _Draft], mentions: list[Mention], texts: dict[str, str]) -> list[Actor]:
    """Actor records with salience in [0, 1]:
    0.5 × mentions / most mentions of any actor + 0.3 × in headline + 0.2 × (1 − first body offset / body length);
    in the headline: a mention there, or the actor's name as words of the headline."""
    by_actor: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.actor_id:
            by_actor[m.actor_id].append(m)
    if not by_actor:
        return []
    most = max(len(v) for v in by_actor.values())
    body_len = max(1, len(texts["body"]))
    # runs of up to six headline words: an actor whose name is one is in the headline even where NER
    # tagged the title-case headline apart from it ("Kenya Backs Ethiopia" tagged as one place)
    words = re.findall(r"\w+", texts["headline"].lower())
    headline_runs = {tuple(words[k : k + n]) for n in range(1, 7) for k in range(len(words) - n + 1)}
    actors = []
    for actor_id, ms in by_actor.items():
        draft = drafts[actor_id]
        in_headline = (any(m.field == "headline" for m in ms)
                       or tuple(re.findall(r"\w+", draft.name.lower())) in headline_runs)
        first = min((m.start for m in ms if m.field == "body"), default=body_len)
        salience = 0.5 * len(ms) / most + 0.3 * in_headline + 0.2 * (1 - first / body_len)
        actors.append(Actor(actor_id=actor_id, name=draft.name, kind=draft.kind, salience=round(salience, 4),
                            mention_count=len(ms), in_headline=in_headline,
                            country=draft.country if draft.kind != "country" else None))
    actors.sort(key=lambda a: (-a.salience, a.actor_id))
    return actors
