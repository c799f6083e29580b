"""Two baselines scored by the same pipeline: keyword rules and TF-IDF + logistic regression.

Example:
    >>> RuleBaseline().predict(["The ministry denied the report."])
    ['denial']
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from claimstance.evaluation import evaluate

# Cue words in order of precedence; the first label whose pattern matches wins.
RULES: tuple[tuple[str, str], ...] = (
    ("denial", r"\b(den(y|ies|ied|ial)|reject(s|ed)?|dismiss(es|ed)?|refut(e|es|ed)|disput(e|es|ed)|not true|baseless|false)\b"),
    ("confirmation", r"\b(confirm(s|ed)?|acknowledg(e|es|ed)|admit(s|ted)?|verif(y|ies|ied)|corroborat(e|es|ed)|records show|found that)\b"),
    ("speculation", r"\b(may|might|could|would|possibl[ey]|potential(ly)?|expected to|likely|fears?|rumou?rs?|speculat\w+|unclear)\b"),
    ("allegation", r"\b(sa(y|ys|id)|claim(s|ed)?|alleg\w+|accus\w+|told|according to|reportedly|insist(s|ed)?|argu(e|es|ed))\b"),
)
NEGATION = re.compile(r"\b(not|never|no|refused to|declined to)\s+(\w+\s+)?$", re.I)


class RuleBaseline:
    """Label by the first cue word found, skipping cues right after a negation."""

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "RuleBaseline":
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self._label(text) for text in texts]

    @staticmethod
    def _label(text: str) -> str:
        for label, pattern in RULES:
            for match in re.finditer(pattern, text, re.I):
                if not NEGATION.search(text[: match.start()]):
                    return label
        return "other"


def tfidf_logreg() -> Pipeline:
    """Word 1-2 gram TF-IDF with class-balanced logistic regression."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("logreg", LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0)),
        ]
    )


def run_baselines(train_records: list[dict], eval_sets: dict[str, list[dict]]) -> dict[str, Any]:
    """Fit both baselines on ``train_records``; label metrics on each evaluation set."""
    texts, labels = [r["text"] for r in train_records], [r["label"] for r in train_records]
    results: dict[str, Any] = {}
    for name, model in (("rules", RuleBaseline()), ("tfidf_logreg", tfidf_logreg())):
        model.fit(texts, labels)
        results[name] = {
            split: evaluate(records, [{"label": p} for p in model.predict([r["text"] for r in records])])
            for split, records in eval_sets.items()
        }
    return results
