"""Fit the article-level calibration of actor sentiment (``actorwire train calibration``, issue #5).

Mention-level target sentiment (NewsMTSC) pooled per actor is not the author's attitude to the
actor: on PerSenT (Bastan et al., COLING 2020) the plain mean over-calls negative and under-calls
positive for the main person. A multinomial logistic regression (scikit-learn, L2, C = 1, classes
weighted inversely to their frequency, so the rare negative class counts) maps the actor's mean
mention distribution to PerSenT's document label; it is fitted on ``dev.csv`` and checked on
``random_test.csv`` (``actorwire eval persent``). Three inputs, twelve numbers: chosen over
richer features (headline and lead mentions, extremes, VADER tone, pronoun sentences, counts),
which gained nothing on held-out documents here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from actorwire.settings import Settings


def fit(settings: Settings, csv_path: Path, out_path: Path, limit: int | None = None) -> dict:
    """Fit on the PerSenT documents of ``csv_path`` whose labelled person is found among the actors
    and write ``out_path`` (:class:`~actorwire.sentiment.targets.DocumentCalibration` JSON with the
    fit's provenance); returns the fit summary. The model calibrated is ``settings.sentiment_model``.
    Raises ``ValueError`` when a label never occurs among those documents."""
    from sklearn.linear_model import LogisticRegression

    from actorwire.offline import persent_main_actors
    from actorwire.sentiment.targets import LABELS

    features, labels = [], []
    documents = 0
    for label, actor in persent_main_actors(settings, csv_path, limit, calibrate=False):
        documents += 1
        if actor is not None and actor.sentiment is not None:
            features.append([actor.sentiment.distribution[k] for k in LABELS])
            labels.append(label)
    if sorted(set(labels)) != [0, 1, 2]:
        raise ValueError(f"{csv_path}: every label must occur among the documents whose person is found")
    regression = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(features, labels)
    summary = {"method": "multinomial logistic regression, L2, C=1, balanced class weights (scikit-learn)",
               "inputs": [f"mean P({k})" for k in LABELS], "outputs": list(LABELS),
               "fitted_on": Path(csv_path).name, "documents": documents, "fitted_documents": len(labels),
               "sentiment_model": settings.sentiment_model, "runtime": settings.sentiment_inference,
               "version": time.strftime("%Y.%m.%d")}
    out_path.write_text(json.dumps({**summary, "coef": regression.coef_.round(6).tolist(),
                                    "intercept": regression.intercept_.round(6).tolist()}, indent=2) + "\n")
    return summary
