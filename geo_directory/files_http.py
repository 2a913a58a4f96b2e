"""A file on disk served as HTTP allows readers that seek: ``Content-Length`` and byte ranges.

GDAL's ``/vsicurl/`` (QGIS's "HTTP(S)" source) reads a remote file by ranges and needs its size
up front; a streamed answer without length cannot be opened that way. One ``Range: bytes=a-b``
(or ``a-``, ``-n``) gets a 206 with ``Content-Range``; a range that starts past the end gets a
416; several ranges get the whole file (200), which HTTP allows. ``If-Range`` is honoured
against the ETag. Django's ``FileResponse`` streams the file and sets its length.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class FileSlice:
    """A readable view of ``length`` bytes of ``handle`` from its current position."""

    def __init__(self, handle, length: int):
        self.handle = handle
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def close(self):
        self.handle.close()


def wanted_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(first, last) of one satisfiable range; None: the whole file; or "unsatisfiable"."""
    if not header:
        return None
    match = RANGE_RE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # several ranges, or a unit we do not serve: the whole file
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return start, end


def file_response(request, path: Path, content_type: str, etag: str, filename: str):
    """``path`` with its length, a single byte range when asked, ``Accept-Ranges: bytes``."""
    size = path.stat().st_size
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if header and if_range and if_range.strip().removeprefix("W/") != etag:
        header = None  # the client's copy is another version: send the whole file
    wanted = wanted_range(header, size)
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    handle = path.open("rb")
    if wanted is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = wanted
        handle.seek(first)
        response = FileResponse(FileSlice(handle, last - first + 1), content_type=content_type)
        response.status_code = 206
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
