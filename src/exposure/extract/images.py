"""Scanned pages and screenshots (PNG, JPEG, TIFF with any number of pages, BMP, GIF), read by OCR.

A multi-page TIFF (the usual fax and scanner output) is OCR'd page by page. Blocks
are located ``page N line M``, a single image being page 1, the same as a one-page
scan saved as PDF. Each page has the OCR time limit of :mod:`exposure.extract.ocr`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.ocr import ocr_image

# Above this a picture is a decompression bomb, not a scan: a 600 dpi A3 page is ~70 MP.
MAX_IMAGE_PIXELS = 150_000_000
# An animated GIF's frames are not pages: OCR its first frame only.
_SINGLE_FRAME_FORMATS = frozenset({"GIF"})


@reader("png", "jpeg", "tiff", "gif", "bmp")
def read_image(path: Path) -> Extracted:
    image = _open(path)
    with image:
        frames = _page_count(image)
        offset = 0
        for number, frame in enumerate(_frames(image, frames), start=1):
            page = ocr_image(frame, f"page {number}", dpi=_dpi(image))
            for block in page.blocks:
                block.offset += offset
                yield block
            offset += len(page.text) + 1


def _open(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except UnidentifiedImageError:
        raise ExtractError("damaged image: the picture format is not recognised") from None
    except Image.DecompressionBombError:
        raise ExtractError("image too large to OCR") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ExtractError(f"damaged image: {exc}") from None
    if image.width * image.height > MAX_IMAGE_PIXELS:
        image.close()
        raise ExtractError(f"image too large to OCR ({image.width}x{image.height} pixels)")
    return image


def _page_count(image: Image.Image) -> int:
    if image.format in _SINGLE_FRAME_FORMATS:
        return 1
    return max(1, getattr(image, "n_frames", 1))


def _frames(image: Image.Image, count: int) -> Iterator[Image.Image]:
    """Each page decoded in turn; a page that cannot be decoded makes the file unreadable."""
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= count:
            return
        if frame.width * frame.height > MAX_IMAGE_PIXELS:
            size = f"{frame.width}x{frame.height}"
            raise ExtractError(f"image too large to OCR (page {index + 1}: {size} pixels)")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame.load()
        except (OSError, SyntaxError, ValueError) as exc:
            where = f" on page {index + 1}" if count > 1 else ""
            raise ExtractError(f"damaged image{where}: {exc}") from None
        yield frame


def _dpi(image: Image.Image) -> int | None:
    """The resolution the file records, when it is believable (screenshots often say 72 or nothing)."""
    dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return None
    return value if 70 <= value <= 2400 else None
