"""Frame size from an image file's header, without decoding it.

Used to check that every frame of an image sequence has the same size before
decoding: FFmpeg would otherwise rescale an odd-sized frame to the first
frame's size without a word. Knows the plate formats (EXR: display window,
DPX, TIFF, PNG, JPEG); other formats give None and are not checked.
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Optional

Size = tuple[int, int]  # (width, height)


def image_size(path: Path) -> Optional[Size]:
    """(width, height) from the header of ``path``; None for an unknown format
    or an unreadable header."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
            for reader in (_png, _exr, _dpx, _tiff, _jpeg):
                size = reader(head, fh)
                if size is not None:
                    return size
    except (OSError, struct.error, ValueError):
        return None
    return None


def _png(head: bytes, fh: BinaryIO) -> Optional[Size]:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _exr(head: bytes, fh: BinaryIO) -> Optional[Size]:
    if head[:4] != b"\x76\x2f\x31\x01":
        return None
    fh.seek(8)
    data = fh.read(1 << 16)
    pos = 0
    while pos < len(data) and data[pos] != 0:  # attributes until an empty name
        name_end = data.index(b"\0", pos)
        type_end = data.index(b"\0", name_end + 1)
        (size,) = struct.unpack("<i", data[type_end + 1:type_end + 5])
        if size < 0 or type_end + 5 + size > len(data):
            return None  # corrupt header: never walk backwards or past the end
        value = data[type_end + 5:type_end + 5 + size]
        if data[pos:name_end] == b"displayWindow" and data[name_end + 1:type_end] == b"box2i":
            x0, y0, x1, y1 = struct.unpack("<4i", value)
            return x1 - x0 + 1, y1 - y0 + 1
        pos = type_end + 5 + size
    return None


def _dpx(head: bytes, fh: BinaryIO) -> Optional[Size]:
    order = {b"SDPX": ">", b"XPDS": "<"}.get(head[:4])
    if order is None or len(head) < 780:
        return None
    return struct.unpack(order + "II", head[772:780])


def _tiff(head: bytes, fh: BinaryIO) -> Optional[Size]:
    order = {b"II*\0": "<", b"MM\0*": ">"}.get(head[:4])
    if order is None:
        return None
    (ifd,) = struct.unpack(order + "I", head[4:8])
    fh.seek(ifd)
    (count,) = struct.unpack(order + "H", fh.read(2))
    found = {}
    for _ in range(count):
        tag, kind, _n, value = struct.unpack(order + "HHI4s", fh.read(12))
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT or LONG
            fmt = "H" if kind == 3 else "I"
            found[tag] = struct.unpack(order + fmt, value[:struct.calcsize(fmt)])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


def _jpeg(head: bytes, fh: BinaryIO) -> Optional[Size]:
    if head[:2] != b"\xff\xd8":
        return None
    fh.seek(2)
    while True:
        byte = fh.read(1)
        if byte != b"\xff":
            return None
        kind = 0xFF
        while kind == 0xFF:  # fill bytes before a marker
            nxt = fh.read(1)
            if not nxt:
                return None
            kind = nxt[0]
        if kind == 0x01 or 0xD0 <= kind <= 0xD8:  # markers without a length
            continue
        if kind in (0xD9, 0xDA):  # end of image / start of scan: no frame header
            return None
        (length,) = struct.unpack(">H", fh.read(2))
        if length < 2:
            return None
        if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):  # start of frame
            height, width = struct.unpack(">xHH", fh.read(5))
            return width, height
        fh.seek(length - 2, 1)
