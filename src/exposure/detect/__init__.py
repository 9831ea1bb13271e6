"""The detect stage: records and text in, person mentions and the elements tied to them out.

``detect_table`` reads a :class:`~exposure.model.Table` in batches; ``detect_text``
reads the :class:`~exposure.model.TextBlock` runs of one document. What is
recognised is defined in :mod:`exposure.detect.elements`, one module per family.
"""

from exposure.detect.context import DetectContext
from exposure.detect.records import detect_table
from exposure.detect.text import detect_text

__all__ = ["DetectContext", "detect_table", "detect_text"]
