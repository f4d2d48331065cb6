"""Every pixel mode the decoders produce is stored and resized without error."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from starpunk.media.validate import decode
from starpunk.media.variants import process
from tests.media import images

CASES = [
    (mode, fmt)
    for mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "CMYK")
    for fmt in ("JPEG", "PNG", "GIF", "WEBP")
    if not (fmt == "JPEG" and mode in ("LA", "P", "RGBA", "I;16"))
    and not (fmt in ("PNG", "GIF") and mode == "CMYK")
]


@pytest.mark.parametrize(("mode", "fmt"), CASES, ids=[f"{m}-{f}" for m, f in CASES])
def test_mode_and_format(mode: str, fmt: str) -> None:
    source = Image.new(mode, (400, 300))
    if mode == "P":
        source.info["transparency"] = 0
    processed = process(decode(images.encode(source, fmt), 10**7))
    assert processed.content_type == f"image/{fmt.lower()}"
    assert sorted(processed.variants) == ["320", "thumb"]
    for encoded in (processed.original, *processed.variants.values()):
        with Image.open(io.BytesIO(encoded.data)) as result:
            assert result.format == fmt
            assert result.size == (encoded.width, encoded.height)
