"""Real image files made with Pillow for the media tests (and a few hostile ones)."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import ExifTags, Image

SECRETS = (b"SecretCam", b"secret-comment", b"secret-xmp-payload")


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """``image`` saved as ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A picture with real detail (so encoders don't collapse it), left half red."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    if mode == "RGB":
        image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def noise(width: int, height: int, seed: int = 7) -> Image.Image:
    """Random pixels: they don't compress, so the file size is predictable."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    return Image.frombytes("RGB", (width, height), pixels)


def gps_exif(orientation: int = 1) -> bytes:
    """EXIF naming a camera, a GPS position and an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    return exif.tobytes()


def jpeg_with_gps(width: int = 400, height: int = 300, orientation: int = 6) -> bytes:
    """A JPEG carrying EXIF (camera, GPS position, orientation), XMP and a comment."""
    return encode(
        gradient(width, height), "JPEG", exif=gps_exif(orientation), comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp-payload</x:xmpmeta>",
    )


def png(width: int = 300, height: int = 200, mode: str = "RGBA") -> bytes:
    """A PNG (with transparency by default)."""
    return encode(gradient(width, height, "RGB").convert(mode), "PNG")


def webp(width: int = 300, height: int = 200) -> bytes:
    """A lossy WebP."""
    return encode(gradient(width, height), "WEBP", quality=80)


def heic(width: int = 320, height: int = 240, *, extra_images: int = 0) -> bytes:
    """A HEIC photo (pillow-heif) with GPS EXIF and XMP, optionally holding more pictures."""
    from starpunk.media.validate import ensure_heif

    ensure_heif()
    others = [Image.new("RGB", (32, 32), "green") for _ in range(extra_images)]
    return encode(gradient(width, height), "HEIF", quality=70, exif=gps_exif(),
                  xmp=b"<x:xmpmeta>secret-xmp-payload</x:xmpmeta>", save_all=bool(others),
                  append_images=others)


def mpo(width: int = 200, height: int = 100) -> bytes:
    """A JPEG with a second picture (MPO), as stereo and some phone cameras write."""
    return encode(gradient(width, height), "MPO", save_all=True,
                  append_images=[Image.new("RGB", (width, height), "blue")])


def animated_gif(frames: int = 3, size: tuple[int, int] = (60, 40)) -> bytes:
    """An animated GIF with distinct frames, 70 ms each, looping forever, with a comment."""
    images = [Image.new("P", size, index * 40) for index in range(frames)]
    for image in images:
        image.putpalette([value for i in range(256) for value in (i, 255 - i, i // 2)])
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=70,
                  loop=0, comment=b"secret-comment")


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny valid PNG whose header claims ``width`` x ``height`` (a decompression bomb)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    start = 8 + 4  # after the signature and the chunk length: b"IHDR", width, height, 5 bytes
    body = b"IHDR" + struct.pack(">II", width, height) + bytes(data[start + 12:start + 17])
    data[start:start + 17] = body
    data[start + 17:start + 21] = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return bytes(data)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(200)
