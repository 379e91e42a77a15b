from pathlib import Path

from actorwire.schema_export import render_schemas, write_schemas

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_committed_schemas_match_the_pydantic_models():
    assert write_schemas(SCHEMAS, check=True) == [], "run `make schemas` and commit schemas/"


def test_output_contract_v1_field_names_are_in_the_schema():
    import json

    enriched = json.loads(render_schemas()["enriched-article.json"])
    assert {"article_id", "version", "published_at", "language", "status", "models", "mentions", "actors",
            "stances", "quotes"} <= set(enriched["properties"])
    defs = enriched["$defs"]
    assert {"text", "label", "field", "start", "end", "actor_id", "score"} <= set(defs["Mention"]["properties"])
    assert {"actor_id", "name", "kind", "salience", "sentiment"} <= set(defs["Actor"]["properties"])
    assert {"source_actor_id", "target_actor_id", "label", "confidence", "evidence"} <= set(defs["Stance"]["properties"])
