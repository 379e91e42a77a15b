from datetime import datetime, timezone

import pytest

from actorwire.text import clean_plain, html_to_text, parse_date, rfc3339, to_plain


def test_html_paragraphs_become_lines_and_entities_are_unescaped():
    assert html_to_text("<p>Oil &amp; gas</p><p>Second&nbsp;<b>para</b></p><script>alert(1)</script>") == \
        "Oil & gas\n\nSecond para"


def test_double_encoded_entities_are_decoded_once_more():
    assert html_to_text("<p>Caf&amp;eacute; &amp;amp; bar</p>") == "Café & bar"


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
