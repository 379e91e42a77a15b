"""actorwire: streaming actor NLP for news over Apache Kafka.

Data flow: ``ingest`` → news.raw → ``entities`` worker → news.entities → ``sentiment`` worker →
news.enriched + news.actors (bad input → news.deadletter).
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

__version__ = "0.1.0"
