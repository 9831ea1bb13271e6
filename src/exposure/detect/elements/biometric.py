"""Biometric data: fingerprint, face, voice, retina, iris and palm templates or images.

Biometric values are blobs (base64 or hex templates, embeddings as lists of numbers, image
paths): their meaning comes from the column or key name alone. Any real value under such a
header counts; flags (``fingerprint_enrolled = Y``), dates and placeholders do not.

The element keeps a digest of the value (``sha256:`` and 16 hex digits), not the blob: a
template can be many kilobytes, and nothing downstream needs more than to tell two apart.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl

from exposure.detect.elements import BIOMETRIC, ElementFamily, FieldSpec, TextPattern, synonyms

MIN_BIOMETRIC_LENGTH = 8
# Values that say something about the data without being it.
PLACEHOLDERS = frozenset(
    {"none", "null", "nil", "n/a", "na", "unknown", "yes", "no", "y", "n", "true", "false", "t", "f", "0",
     "1", "enrolled", "not enrolled", "pending", "redacted", "removed", "deleted", "missing", "-", "--",
     "[redacted]", "<redacted>", "[removed]", "<null>"}
)  # fmt: skip
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T][\d:.]+)?\s*$")
_ONLY_MASK = re.compile(r"^[*xX•#.\s-]+$")


def is_placeholder(value: str) -> bool:
    """True for empty, boolean, dated, masked or "n/a"-style values: a flag about the data, not the data."""
    text = value.strip()
    return (
        not text
        or text.lower() in PLACEHOLDERS
        or bool(_DATE_LIKE.match(text))
        or bool(_ONLY_MASK.match(text))
    )


def placeholder_expression(text: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`is_placeholder` for stripped values."""
    return (
        (text == "")
        | text.str.to_lowercase().is_in(sorted(PLACEHOLDERS))
        | text.str.contains(_DATE_LIKE.pattern)
        | text.str.contains(_ONLY_MASK.pattern)
    )


def digest_expression(kept: pl.Expr) -> pl.Expr:
    """:func:`digest` of each non-null value (hashlib: Polars has no stable cryptographic hash)."""
    return kept.map_batches(
        lambda s: pl.Series([None if v is None else digest(v) for v in s.to_list()], dtype=pl.String),
        return_dtype=pl.String,
    )


def digest(value: str) -> str:
    """A short stable digest of a value kept instead of the value itself."""
    return "sha256:" + hashlib.sha256(value.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]


def normalise_biometric(value: str) -> str:
    """``sha256:...`` of a real biometric value, or "" for flags and placeholders.

    >>> normalise_biometric("Rk1SACAyMAAAAAFiAAABQAHgAMUAxQEAAAAoJ0"), normalise_biometric("Y")
    ('sha256:a19d3c0a4cbc4f59', '')
    """
    if is_placeholder(value) or len(value.strip()) < MIN_BIOMETRIC_LENGTH:
        return ""
    return digest(value)


def biometric_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_biometric`."""
    text = column.str.strip_chars()
    real = ~placeholder_expression(text) & (text.str.len_chars() >= MIN_BIOMETRIC_LENGTH)
    return digest_expression(pl.when(real).then(text))


_BIOMETRIC_TOKENS = frozenset(
    {
        "biometric",
        "biometrics",
        "fingerprint",
        "fingerprints",
        "thumbprint",
        "faceprint",
        "voiceprint",
        "palmprint",
        "retina",
        "retinal",
        "iris",
        "minutiae",
    }
)
_BODY = r"(finger[ _-]?print|thumb[ _-]?print|face|facial|voice|retina|retinal|iris|palm|hand[ _-]?geometry)"
_KIND = r"(template|encoding|embedding|print|hash|scan|data|vector|geometry|signature|image|code)s?"
_TEXT_LABEL = rf"({_BODY}[ _-]?{_KIND}|fingerprint|biometric[ _-]?(data|template|hash|sample)s?)"
_TEXT_CONFIRM = re.compile(
    rf"(?<![A-Za-z]){_TEXT_LABEL}[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[A-Za-z0-9+/=_-]{{16,}})",
    re.IGNORECASE,
)

FAMILY = ElementFamily(
    name="biometric",
    codes=("biometric",),
    legal_category=BIOMETRIC,
    fields=(
        FieldSpec(
            field="biometric",
            element="biometric",
            headers=synonyms(
                "biometric",
                "biometric_data",
                "biometric_template",
                "biometric_hash",
                "biometric_id",
                "fingerprint",
                "fingerprint_template",
                "fingerprint_hash",
                "fingerprint_image",
                "fingerprint_data",
                "finger_print",
                "finger_template",
                "thumbprint",
                "thumb_print",
                "face_template",
                "face_encoding",
                "face_encodings",
                "face_embedding",
                "face_vector",
                "face_print",
                "faceprint",
                "face_geometry",
                "face_image",
                "face_scan",
                "face_hash",
                "facial_template",
                "facial_geometry",
                "facial_scan",
                "facial_recognition_template",
                "voice_print",
                "voiceprint",
                "voice_template",
                "voice_sample",
                "voice_biometric",
                "retina_scan",
                "retina_template",
                "retinal_scan",
                "iris_scan",
                "iris_template",
                "iris_code",
                "palm_print",
                "palmprint",
                "palm_vein_template",
                "hand_geometry",
            ),
            normalise=normalise_biometric,
            polars_normalise=biometric_expression,
            header_tokens=_BIOMETRIC_TOKENS,
            min_valid_share=0.3,  # enrolment is often partial: many rows have no template yet
            priority=80,
        ),
    ),
    text_patterns=(
        TextPattern(
            # "face_encoding": "...", fingerprint_template=Rk1SACAy...: a key naming the data, then a blob.
            name="biometric.labelled",
            kind="biometric",
            scan=rf"{_TEXT_LABEL}[\"']?[ \t]*[:=]",
            confirm=_TEXT_CONFIRM,
            normalise=normalise_biometric,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
