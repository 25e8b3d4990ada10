"""OLE2 compound files (the "Compound File Binary" format), written byte by byte.

Word saves a password-protected .docx not as a ZIP but as a compound file holding an
``EncryptionInfo`` and an ``EncryptedPackage`` stream (MS-OFFCRYPTO). Neither LibreOffice's command
line nor any installed library writes one, so tests build the container here: a valid version-3
compound file (512-byte sectors, one FAT, a red-black directory tree), with each stream padded to the
mini-stream cutoff so that every stream lives in regular sectors.
"""

from __future__ import annotations

import os
import struct

SECTOR = 512
_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_MINI_CUTOFF = 4096
_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sectors(data: bytes) -> int:
    return max(1, -(-len(data) // SECTOR))


def _entry(name: str, kind: int, *, color: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, color)
        + struct.pack("<III", _NOSTREAM, right, child)
        + bytes(16)
        + struct.pack("<I", 0)
        + bytes(16)
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file whose root storage holds ``streams`` (names shortest first, as CFB orders them)."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    body = [streams[n].ljust(_MINI_CUTOFF, b"\0") for n in names]
    starts, next_sector = [], 0
    for data in body:
        starts.append(next_sector)
        next_sector += _sectors(data)
    dir_start = next_sector
    entries = [_entry("Root Entry", 5, color=1, right=_NOSTREAM, child=1, start=_END, size=0)]
    for i, (name, data) in enumerate(zip(names, body, strict=True), start=1):
        right = i + 1 if i < len(names) else _NOSTREAM
        entries.append(
            _entry(
                name,
                2,
                color=0 if i > 1 else 1,
                right=right,
                child=_NOSTREAM,
                start=starts[i - 1],
                size=len(data),
            )
        )
    directory = b"".join(entries)
    directory = directory.ljust(_sectors(directory) * SECTOR, b"\0")
    dir_sectors = len(directory) // SECTOR
    fat_start = dir_start + dir_sectors
    chains = [(s, _sectors(d)) for s, d in zip(starts, body, strict=True)] + [(dir_start, dir_sectors)]
    fat_entries = fat_start + 1
    fat_sectors = -(-fat_entries * 4 // SECTOR)
    while -(-(fat_start + fat_sectors) * 4 // SECTOR) > fat_sectors:
        fat_sectors += 1
    fat = [_FREE] * (fat_sectors * SECTOR // 4)
    for start, count in chains:
        for k in range(count):
            fat[start + k] = start + k + 1 if k + 1 < count else _END
    for k in range(fat_sectors):
        fat[fat_start + k] = _FATSECT
    difat = [fat_start + k for k in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = (
        _MAGIC
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, _MINI_CUTOFF, _END, 0, _END, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == SECTOR
    return (
        header
        + b"".join(d.ljust(_sectors(d) * SECTOR, b"\0") for d in body)
        + directory
        + struct.pack(f"<{len(fat)}I", *fat)
    )


def encrypted_docx_bytes() -> bytes:
    """What Word writes for a .docx saved with an opening password: agile EncryptionInfo (version 4.4)
    and an encrypted package (random bytes here; only the container is what a reader sees first)."""
    info = (
        struct.pack("<HHI", 4, 4, 0x40)
        + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption/>'
    )
    package = struct.pack("<Q", 20_000) + os.urandom(20_000)
    return compound_file({"EncryptionInfo": info, "EncryptedPackage": package})
