"""The places API: ``/api/v1/lieux/`` as RFC 7946 GeoJSON built by PostGIS."""
