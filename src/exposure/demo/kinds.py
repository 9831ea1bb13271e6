"""The file kinds beyond CSV and text, one per format the tool learns to read.

Each format name is the value of the ``format`` column of ``ground_truth_mentions.csv``
for the mentions its files hold (the e-mail kind also writes ``eml-attachment``), so a
test can score one format at a time and leave out the formats whose reader has not landed.
The kinds draw people from the batch like the CSV kinds, with the batch's own second
random generator (``Batch.formats_rng``): leaving a format out never changes other files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection

from exposure.demo import kinds_data, kinds_documents, kinds_health, kinds_mail, kinds_office
from exposure.demo.documents import Doc
from exposure.demo.layout import Batch

FORMAT_KINDS: dict[str, Callable[[Batch], list[Doc]]] = {
    "xlsx": kinds_office.workbook_files,
    "xlsm": kinds_office.xlsm_files,
    "ods": kinds_office.ods_files,
    "docx": kinds_office.docx_files,
    "pdf": kinds_office.pdf_files,
    "ocr": kinds_office.scan_files,
    "eml": kinds_mail.eml_files,
    "mbox": kinds_mail.mbox_files,
    "x12": kinds_health.x12_files,
    "hl7": kinds_health.hl7_files,
    "cobol": kinds_data.cobol_files,
    "sqlite": kinds_data.sqlite_files,
    "json": kinds_data.json_files,
    "ndjson": kinds_data.ndjson_files,
    "sqldump": kinds_data.sqldump_files,
    "parquet": kinds_data.parquet_files,
    "7z-member": kinds_data.seven_zip_files,
    "zip-password": kinds_data.password_zip_files,
    "html": kinds_documents.html_files,
    "xml": kinds_documents.xml_files,
    "rtf": kinds_documents.rtf_files,
    "odt": kinds_documents.odt_files,
    "pptx": kinds_documents.pptx_files,
    "tiff": kinds_documents.tiff_files,
    "dicom": kinds_health.dicom_files,
    "ncpdp": kinds_health.ncpdp_files,
}
# No free writer, so not generated (the tool reads them; the shared samples cover them): XLS, DOC,
# MSG, PST, RAR.
NEW_FORMATS: tuple[str, ...] = tuple(FORMAT_KINDS)
# Formats of the CSV and text kinds (layout.BATCH_FILES), always written.
CLASSIC_FORMATS: tuple[str, ...] = ("csv", "text")


def check_formats(formats: Collection[str] | None) -> None:
    unknown = sorted(set(formats or ()) - set(NEW_FORMATS))
    if unknown:
        raise ValueError(f"unknown demo formats {unknown}; known: {', '.join(NEW_FORMATS)}")


def format_files(batch: Batch, formats: Collection[str] | None = None) -> list[Doc]:
    """The files of the kinds named in ``formats`` (None: every kind), in the order of ``FORMAT_KINDS``."""
    check_formats(formats)
    view = dataclasses.replace(batch, rng=batch.formats_rng)  # shares the batch's ids: one person, one id
    docs: list[Doc] = []
    for name, build in FORMAT_KINDS.items():
        if formats is None or name in formats:
            docs.extend(build(view))
    return docs
