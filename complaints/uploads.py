"""Checks on uploaded evidence, by content: never by the file's name or the browser's content type.

Accepted: JPEG, PNG and WebP images that Pillow fully decodes, and PDF files with a `%PDF-` header and an `%%EOF`
trailer. Anything else, an oversized file or an image too large to decode safely, is refused with a message.
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

from complaints import conf

# What Pillow may call each type: many phone cameras write multi-picture JPEGs, which Pillow opens as MPO.
IMAGE_TYPES = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"}}
PDF_TYPE = "application/pdf"
# PDF writers may append a few bytes (a newline, padding) after %%EOF; look for it in the last kilobyte.
PDF_TRAILER_WINDOW = 1024


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
                width, height = image.size
                if width * height > conf.max_image_pixels():
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
    if not head.startswith(b"%PDF-"):
        raise ValidationError("header", code="header")
    size = upload.size or 0
    upload.seek(max(0, size - PDF_TRAILER_WINDOW))
    if b"%%EOF" not in upload.read():
        raise ValidationError("trailer", code="trailer")
