"""Processing: apply EXIF orientation, strip all metadata by re-encoding, make the variants.

Every stored byte is written by Pillow from pixels alone: EXIF (with GPS), XMP, comments
and anything appended to the upload (polyglot payloads) are gone. Only the ICC colour
profile is kept, so colours look the same. HEIC becomes JPEG. Animations keep their frames,
timing and looping; they get the thumbnail only (a resized still would stop the animation).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence

from starpunk.media.validate import Decoded

#: Pillow output format → (content type, file extension).
OUTPUT = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
THUMB = 150
WIDTHS = (320, 640, 1280)
JPEG_QUALITY = 88
WEBP_QUALITY = 85


@dataclass(frozen=True)
class Encoded:
    """One file to store: its bytes and pixel size."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    """The cleaned original and its variants (keyed 'thumb', '320', '640', '1280')."""

    content_type: str
    extension: str
    original_type: str
    original: Encoded
    variants: dict[str, Encoded]
    animated: bool


def process(decoded: Decoded) -> Processed:
    """Orient, strip and re-encode the upload, and make its variants (never upscaled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. corrupt EXIF: the orientation is then ignored
        return _process(decoded)


def _process(decoded: Decoded) -> Processed:
    fmt = "JPEG" if decoded.format == "HEIF" else decoded.format
    content_type, extension = OUTPUT[fmt]
    source = decoded.image
    icc = source.info.get("icc_profile") if source.mode != "CMYK" else None
    if decoded.animated:
        original = _encode_animation(source, fmt, icc)
        source.seek(0)
        still = _working_copy(source)
    else:
        still = _working_copy(ImageOps.exif_transpose(source))
        original = _encode(_for_output(still, fmt), fmt, icc)
    variants = {"thumb": _encode(_for_output(_thumbnail(still), fmt), fmt, icc)}
    if not decoded.animated:
        for width in WIDTHS:
            if width < still.width:
                height = max(1, round(still.height * width / still.width))
                resized = still.resize((width, height), Image.Resampling.LANCZOS)
                variants[str(width)] = _encode(_for_output(resized, fmt), fmt, icc)
    return Processed(
        content_type, extension, decoded.original_type, original, variants, decoded.animated
    )


def _working_copy(image: Image.Image) -> Image.Image:
    """A metadata-free copy in a mode that resizes well (L, LA, RGB or RGBA)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if (image.mode in ("L", "1", "I", "F") or image.mode.startswith("I;16")) and not has_alpha:
        mode = "L"
    elif image.mode in ("LA",):
        mode = "LA"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if image.mode.startswith("I;16") or image.mode == "I":  # 16-bit grey: scale, don't clip
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    clean = image.convert(mode)
    clean.info = {}
    return clean


def _for_output(image: Image.Image, fmt: str) -> Image.Image:
    """``image`` in a mode ``fmt`` can store (alpha flattened onto white for JPEG)."""
    if fmt == "JPEG" and image.mode in ("RGBA", "LA"):
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return background
    if fmt == "WEBP" and image.mode in ("L", "LA"):
        return image.convert("RGBA" if image.mode == "LA" else "RGB")
    return image


def _thumbnail(image: Image.Image) -> Image.Image:
    """A centred square crop, ``THUMB`` pixels a side (smaller sides are not upscaled)."""
    side = min(THUMB, image.width, image.height)
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)


def _save_options(fmt: str, icc: bytes | None) -> dict[str, object]:
    options: dict[str, object] = {}
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=WEBP_QUALITY, method=4)
    elif fmt == "PNG":
        options.update(optimize=False, compress_level=6)
    if icc and fmt != "GIF":
        options["icc_profile"] = icc
    return options


def _encode(image: Image.Image, fmt: str, icc: bytes | None) -> Encoded:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **_save_options(fmt, icc))
    return Encoded(buffer.getvalue(), image.width, image.height)


def _encode_animation(source: Image.Image, fmt: str, icc: bytes | None) -> Encoded:
    """Re-encode every frame from its pixels, keeping durations and the loop count."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(source):
        rgba = frame.convert("RGBA")
        rgba.info = {}
        frames.append(rgba)
        durations.append(int(frame.info.get("duration") or 100))
    options = _save_options(fmt, icc)
    options.update(save_all=True, append_images=frames[1:], duration=durations)
    if "loop" in source.info:
        options["loop"] = int(source.info["loop"])
    if fmt == "GIF":
        options["disposal"] = 2  # every frame is a full picture
    buffer = io.BytesIO()
    frames[0].save(buffer, format=fmt, **options)
    return Encoded(buffer.getvalue(), frames[0].width, frames[0].height)
