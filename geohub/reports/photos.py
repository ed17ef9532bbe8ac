"""A citizen's photo made safe to keep: decoded only as JPEG, PNG or WebP, within size and pixel
limits, turned upright, scaled down and re-encoded as a plain JPEG with a thumbnail.

The stored JPEG carries no metadata at all: the camera's EXIF (GPS position, device, time), XMP
and ICC profiles are dropped by drawing the pixels into a new image. Whatever else the upload held
(a second file appended to the JPEG, comments) does not survive the re-encoding either.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from geohub.errors import GeoHubError, InvalidDataError, UploadTooLargeError
from geohub.messages import N_, tr
from geohub.settings import ReportsSettings

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED_TYPES = "JPEG, PNG, WebP"
MEDIA_TYPE = "image/jpeg"
JPEG_QUALITY = 85
_BACKGROUND = (255, 255, 255)  # what a transparent PNG is flattened on


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: the scaled JPEG, its thumbnail and the JPEG's size."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    media_type: str = MEDIA_TYPE


class UnsupportedPhotoError(GeoHubError):
    """Not a JPEG, PNG or WebP image (by its content, whatever its name says)."""

    status, title, slug = 415, N_("Unsupported photo type"), "unsupported-photo"


def prepare_photo(data: bytes, settings: ReportsSettings) -> Photo:
    """Check, decode and re-encode an uploaded photo; 413, 415 or 422 when it cannot be kept."""
    if len(data) > settings.max_photo_bytes:
        raise UploadTooLargeError(tr("A photo may have at most {max} bytes.", max=settings.max_photo_bytes))
    image = _open(data, settings.max_photo_pixels)
    try:
        image.draft("RGB", (settings.photo_side_px, settings.photo_side_px))  # JPEG: decode smaller
        image.load()
        upright = ImageOps.exif_transpose(image)
        plain = _plain_rgb(upright)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise _unreadable() from exc
    photo = _scaled(plain, settings.photo_side_px)
    return Photo(
        image=_jpeg(photo),
        thumbnail=_jpeg(_scaled(plain, settings.thumbnail_side_px)),
        width=photo.width,
        height=photo.height,
    )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """The image with only its header read, or 413/415/422 before any pixel is decoded."""
    try:
        image = Image.open(BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedPhotoError(
            tr("A photo must be an image of one of these types: {types}.", types=ACCEPTED_TYPES)
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _unreadable() from exc
    width, height = image.size
    bomb_limit = Image.MAX_IMAGE_PIXELS or max_pixels  # where Pillow itself would warn
    if width * height > min(max_pixels, bomb_limit):
        raise _too_many_pixels(max_pixels)
    return image


def _plain_rgb(image: Image.Image) -> Image.Image:
    """A new RGB image with the pixels only (no info, EXIF, XMP or ICC); transparency on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        plain = Image.new("RGB", rgba.size, _BACKGROUND)
        plain.paste(rgba, mask=rgba.getchannel("A"))
        return plain
    plain = Image.new("RGB", image.size)
    plain.paste(image.convert("RGB"))
    return plain


def _scaled(image: Image.Image, side_px: int) -> Image.Image:
    """A copy whose longest side is at most `side_px` (never enlarged)."""
    copy = image.copy()
    copy.thumbnail((side_px, side_px), Image.Resampling.LANCZOS)
    return copy


def _jpeg(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _too_many_pixels(max_pixels: int) -> UploadTooLargeError:
    return UploadTooLargeError(tr("A photo may have at most {max} pixels.", max=max_pixels))


def _unreadable() -> InvalidDataError:
    return InvalidDataError(
        tr(
            "The photo cannot be read: send a whole image of one of these types: {types}.",
            types=ACCEPTED_TYPES,
        )
    )
