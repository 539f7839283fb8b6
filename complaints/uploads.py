"""Checks on uploaded evidence, by content: never by the file's name or the browser's content type.

Accepted: JPEG, PNG and WebP images that Pillow fully decodes, and PDF files that pypdf parses (header, cross-reference
table, trailer, at least one page). Anything else, an oversized file or an image too large to decode safely, is
refused with a message.

Images: the size in the header (Image.open reads only the header) is checked before any pixel is decoded: at most
COMPLAINT_MAX_IMAGE_PIXELS, and at most MAX_PIXELS_PER_BYTE pixels per byte of file (a 2 KiB WebP that claims
6300x6300 pixels is a decompression bomb, not a screenshot). A JPEG is decoded at 1/8 scale; other formats are
decoded in full, so they may have at most MAX_FULL_DECODE_PIXELS.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

from complaints import conf

# What Pillow may call each type: many phone cameras write multi-picture JPEGs, which Pillow opens as MPO.
IMAGE_TYPES = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"}}
PDF_TYPE = "application/pdf"
# Real photos compress to a few pixels per byte (JPEG ~4-16); flat screenshots to a few hundred. A file whose
# header claims more pixels per byte than this is built to cost memory when decoded.
MAX_PIXELS_PER_BYTE = 2000
# PNG and WebP are decoded in full (4 bytes a pixel): 16 million pixels is 64 MB, phone screenshots are about 3.
MAX_FULL_DECODE_PIXELS = 16_000_000


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content inspect_upload has checked, and what it was found to be."""

    upload: UploadedFile
    content_type: str


def inspect_upload(upload: UploadedFile) -> str:
    """The file's real content type (one of IMAGE_TYPES or PDF_TYPE), or ValidationError with a message."""
    name = upload.name or ""
    if upload.size is not None and upload.size > conf.max_upload_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s: files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(conf.max_upload_bytes())},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    try:
        if mime in IMAGE_TYPES:
            _check_image(upload, IMAGE_TYPES[mime])
        elif mime == PDF_TYPE:
            _check_pdf(upload, head)
        else:
            raise ValidationError("type", code="type")
    except ValidationError as error:
        if error.code == "too_many_pixels":
            raise ValidationError(
                _("“%(name)s” is too large an image. Send a smaller photo or screenshot.") % {"name": name},
                code="too_many_pixels",
            ) from None
        raise ValidationError(
            _("“%(name)s” is not a readable JPEG, PNG or WebP image or PDF document.") % {"name": name},
            code="invalid_type",
        ) from None
    finally:
        upload.seek(0)
    return mime


def _check_image(upload: UploadedFile, expected_formats: set[str]) -> None:
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning is an error here: the pixel limit below is stricter anyway.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in expected_formats:
                    raise ValidationError("format", code="format")
                width, height = image.size  # from the header: nothing is decoded yet
                pixels = width * height
                full_decode = image.format not in ("JPEG", "MPO")
                if (pixels > conf.max_image_pixels() or pixels > MAX_PIXELS_PER_BYTE * max(1, upload.size or 0)
                        or (full_decode and pixels > MAX_FULL_DECODE_PIXELS)):
                    raise ValidationError("pixels", code="too_many_pixels")
                image.verify()
            upload.seek(0)
            # verify() checks the structure only; decoding every pixel catches truncated or corrupt data.
            with Image.open(upload) as image:
                if image.format in ("JPEG", "MPO"):
                    # Decode at 1/8 scale: every coefficient is still read, in an eighth of the memory.
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError):
        raise ValidationError("decode", code="decode") from None


def _check_pdf(upload: UploadedFile, head: bytes) -> None:
    """A PDF that pypdf parses strictly (header, cross-reference table, trailer) with at least one page. Page
    content streams are not decompressed: nothing here costs more than reading the file's structure."""
    if not head.startswith(b"%PDF-"):
        raise ValidationError("header", code="header")
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=True)
        if len(reader.pages) < 1:
            raise ValidationError("pages", code="pages")
    except ValidationError:
        raise
    except Exception:  # PdfReadError, and whatever a malformed structure makes the parser raise
        raise ValidationError("structure", code="structure") from None
