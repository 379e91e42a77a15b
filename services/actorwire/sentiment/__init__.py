"""Sentiment/stance worker: per-actor target sentiment, quotes and stance (``news.enriched``, ``news.actors``)."""
