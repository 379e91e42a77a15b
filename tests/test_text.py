from datetime import datetime, timezone

import pytest

from actorwire.text import clean_plain, html_to_text, parse_date, rfc3339, to_plain


def test_html_paragraphs_become_lines_and_entities_are_unescaped():
    assert html_to_text("<p>Oil &amp; gas</p><p>Second&nbsp;<b>para</b></p><script>alert(1)</script>") == \
        "Oil & gas\n\nSecond para"


def test_double_encoded_entities_are_decoded_once_more():
    assert html_to_text("<p>Caf&amp;eacute; &amp;amp; bar</p>") == "Café & bar"


def test_a_numeric_reference_past_the_last_code_point_is_a_replacement_character_whatever_its_length():
    # html.unescape raises on one of thousands of digits (Python's integer conversion limit)
    for digits in (8, 5000):
        assert html_to_text(f"<p>a &#{'9' * digits}; &amp;#{'9' * digits}; &#x{'F' * digits}; b</p>") == "a \ufffd \ufffd \ufffd b"
    assert html_to_text("<p>&#0000000065;&#x0000041;</p>") == "AA"  # leading zeros are no digits


def test_controls_that_separate_text_become_line_breaks_so_words_stay_apart():
    assert clean_plain("Olaf Scholz\x0cGermany condemned Russia\x85France backed\x1fUkraine.\u2028End") == \
        "Olaf Scholz\nGermany condemned Russia\nFrance backed Ukraine.\nEnd"


def test_plain_text_keeps_offsets_but_drops_controls_bom_and_lone_surrogates():
    raw = "\ufeffMali\x00 and \ud800Niger\x07\nline two"
    assert clean_plain(raw) == "Mali and Niger\nline two"
    plain = "Ukraine, Mali.\n\nSecond paragraph."
    assert to_plain(plain, "text/plain") == plain


@pytest.mark.parametrize("value,expected", [
    ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00Z"),
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
    ("Wed, 01 May 2024 10:00:00 GMT", "2024-05-01T10:00:00Z"),
    ("Wed, 01 May 2024 10:00:00 +0200", "2024-05-01T08:00:00Z"),
    ("Wed, 01 May 2024 10:00:00 EST", "2024-05-01T15:00:00Z"),
    ("May 1, 2024 10:00 CEST", "2024-05-01T08:00:00Z"),
    ("2024-05-01", "2024-05-01T00:00:00Z"),
])
def test_feed_dates_are_normalised_to_utc(value, expected):
    assert rfc3339(parse_date(value)) == expected


@pytest.mark.parametrize("value", ["2024", "", "yesterday", "99999"])
def test_dates_without_a_day_are_rejected_never_guessed(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_parsed_dates_are_aware_utc():
    assert parse_date("2024-05-01 12:00").tzinfo is not None
    assert parse_date("2024-05-01 12:00") == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def test_markup_revealed_by_the_second_unescape_is_dropped_and_cdata_kept():
    assert html_to_text("<p>Kenya backs Ethiopia.&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;</p>") == \
        "Kenya backs Ethiopia."
    assert html_to_text("<p>Kenya &amp;lt;b&amp;gt;agrees&amp;lt;/b&amp;gt; &amp;amp;amp; Egypt</p>") == "Kenya agrees & Egypt"
    assert html_to_text("<p>Kenya backs Ethiopia.</p><p><![CDATA[Egypt criticised the plan.]]></p>") == \
        "Kenya backs Ethiopia.\n\nEgypt criticised the plan."
    assert html_to_text("<p>5 &amp;lt; 6</p>") == "5 < 6"  # a lone "<" is text, not markup


@pytest.mark.parametrize("value,expected", [
    ("Mon, 30 Nov 2026 10:00:00 NZDT", "2026-11-29T21:00:00Z"),
    ("Mon, 01 Jun 2026 10:00:00 NZST", "2026-05-31T22:00:00Z"),
    ("30 Nov 2026 10:00 HST", "2026-11-30T20:00:00Z"),
    ("30 Nov 2026 10:00 AKST", "2026-11-30T19:00:00Z"),
    ("30 Nov 2026 10:00 EAT", "2026-11-30T07:00:00Z"),
    ("30 Nov 2026 10:00 ET", "2026-11-30T15:00:00Z"),  # ET/PT follow the date's daylight saving
    ("1 Jul 2026 10:00 ET", "2026-07-01T14:00:00Z"),
    ("1 Jul 2026 10:00 PT", "2026-07-01T17:00:00Z"),
    ("0999-05-01T00:00:00Z", "0999-05-01T00:00:00Z"),  # four-digit years, never "999-05-01"
])
def test_newswire_zones_and_early_years(value, expected):
    assert rfc3339(parse_date(value)) == expected


@pytest.mark.parametrize("value,reason", [
    ("Mon, 30 Nov 2099 10:00:00 XST", "unknown time zone"),  # never read as UTC (an embargo released early)
    ("Mon, 30 Nov 2099 10:00:00 AST", "unknown time zone"),  # Arabia or Atlantic: ambiguous, not listed
    ("9999-12-31T23:30:00-05:00", "date out of range"),  # past year 9999 once in UTC
    ("0001-01-01T00:00:00+01:00", "date out of range"),
    ("Fri, 31 Dec 9999 23:00:00 EST", "date out of range"),
    ("03/04/2030 10:00", "ambiguous date"),  # 4 March or 3 April (hostile-input trial: read as 4 March)
])
def test_unknown_zones_and_out_of_range_dates_raise_value_error(value, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(value)


@pytest.mark.parametrize("value,expected", [
    ("13/04/2030 10:00", "2030-04-13T10:00:00Z"),  # only one reading
    ("04/04/2030", "2030-04-04T00:00:00Z"),
    ("Mon, 30 Nov 2026 10:00:00 GMT+0200", "2026-11-30T08:00:00Z"),  # dateutil alone: POSIX sign, 12:00Z
    ("Mon, 30 Nov 2026 10:00:00 UTC-5", "2026-11-30T15:00:00Z"),
    ("1 May 2024 10:00 +02:00 (CEST)", "2024-05-01T08:00:00Z"),
])
def test_gmt_plus_offsets_keep_their_sign(value, expected):
    assert rfc3339(parse_date(value)) == expected


@pytest.mark.parametrize("markup, text", [
    ("<p>Mali cut ties.</p><![ x", "Mali cut ties.\n<![ x"),  # not a CDATA section: text (the parser raised)
    ("<p>x</p><![CDATA[a<b is true]]>", "x\na<b is true"),
    ("<!-- a <b> comment --><p>y</p>", "y"),
    ("<p>y</p><!-- never closed <b>", "y"),  # a browser hides it to the end
    ("<p>1 <a <a b</p>", "1 <a <a b"),  # a "<" no ">" closes before the next "<" is text
    ("<p>Hello <b>world</b></p>", "Hello world"),
])
def test_markup_the_parser_cannot_take_is_text_and_comments_stay_hidden(markup, text):
    assert html_to_text(markup) == text
