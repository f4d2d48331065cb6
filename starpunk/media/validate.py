"""Upload validation: what a file *is* comes from decoding it, never from its name or the
content type the client claimed.

Only JPEG, PNG (APNG too), GIF, WebP and HEIC/HEIF decoders are ever tried; anything else
(SVG, HTML, PDF, an executable renamed ``.jpg``) fails to decode and is refused. Size is
checked while reading (413) and the pixel count from the header before any pixel is
decoded (400), so decompression bombs never reach memory.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image

from starpunk.errors import BadRequest, PayloadTooLarge

log = logging.getLogger(__name__)

#: Pillow format name → the MIME type we record as what was uploaded.
ACCEPTED = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
#: Formats whose extra pictures (stereo pairs, depth maps, bursts) are not an animation:
#: only the primary picture is the photo. MPO is a JPEG with such extras (many cameras).
STILL_ONLY = frozenset({"JPEG", "MPO", "HEIF"})
REFUSED_MESSAGE = (
    "The file is not an image we accept: upload a JPEG, PNG, GIF, WebP or HEIC photo "
    "(SVG, PDF and other formats are refused)."
)

_heif_lock = threading.Lock()
_heif_registered = False


@dataclass
class Decoded:
    """An uploaded image, decoded and within the limits."""

    image: Image.Image
    format: str  # a key of ACCEPTED
    original_type: str
    frames: int

    @property
    def animated(self) -> bool:
        """Whether the image has more than one frame."""
        return self.frames > 1


def ensure_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (once per process, on first use)."""
    global _heif_registered
    with _heif_lock:
        if not _heif_registered:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _heif_registered = True


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """Read the whole upload, refusing with 413 as soon as it passes ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The image is larger than the {max_bytes} bytes allowed.")
    if not data:
        raise BadRequest("The uploaded file is empty.")
    return data


def decode(data: bytes, max_pixels: int) -> Decoded:
    """Decode ``data`` fully; :class:`BadRequest` when it is not an accepted image or too big."""
    ensure_heif()
    with warnings.catch_warnings():
        # Decoders warn about damage (corrupt EXIF, odd chunks) in files from anywhere; what
        # counts is whether the pixels decode. Our own pixel limit below replaces Pillow's
        # DecompressionBombWarning; its hard DecompressionBombError remains.
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED))
        except Image.DecompressionBombError:
            raise _too_many_pixels(max_pixels) from None
        except Exception as exc:  # decoders of hostile bytes can raise anything
            log.info("upload refused: not decodable", extra={"reason": type(exc).__name__})
            raise BadRequest(REFUSED_MESSAGE) from None
        fmt = "JPEG" if image.format == "MPO" else (image.format or "")
        if fmt not in ACCEPTED:
            raise BadRequest(REFUSED_MESSAGE)
        width, height = image.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        try:
            still = image.format in STILL_ONLY
            frames = 1 if still else int(getattr(image, "n_frames", 1) or 1)
            if width * height * frames > max_pixels:
                raise _too_many_pixels(max_pixels)
            _load_every_frame(image, frames)
        except BadRequest:
            raise
        except Exception as exc:  # truncated or corrupt data, found while decoding
            log.info("upload refused: corrupt", extra={"reason": type(exc).__name__})
            raise BadRequest(REFUSED_MESSAGE) from None
    return Decoded(image, fmt, ACCEPTED[fmt], frames)


def _load_every_frame(image: Image.Image, frames: int) -> None:
    """Decode every frame so corrupt data is found now, then rewind to the first."""
    if frames == 1:
        image.load()  # no seek: a HEIF file opens on its primary picture, not always index 0
        return
    for index in range(frames):
        image.seek(index)
        image.load()
    image.seek(0)


def _too_many_pixels(max_pixels: int) -> BadRequest:
    return BadRequest(
        f"The image has too many pixels (at most {max_pixels} are allowed, counting every "
        "frame of an animation)."
    )
