"""Gzip for every answer but the files served by byte ranges.

A ranged file (``geo_directory.files_http``) must keep its ``Content-Length`` and its byte
offsets: ``/vsicurl/`` readers (GDAL, QGIS) seek in it. Django's ``GZipMiddleware`` would
compress it on the fly and drop the length.
"""

from django.middleware.gzip import GZipMiddleware


class GZipExceptRangesMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.get("Accept-Ranges") == "bytes":
            return response
        return super().process_response(request, response)
