"""Reading the open-data files Maillage imports (plain or gzipped); errors name the file."""

import gzip
import json
from pathlib import Path


class DataFileError(Exception):
    """A file that cannot be read as what it claims to be. The message names the file and why."""


def open_text(path: str | Path):
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: fichier introuvable")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig", newline="")


def load_json(path: str | Path):
    try:
        with open_text(path) as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{path}: JSON illisible ligne {exc.lineno}, colonne {exc.colno} : {exc.msg}"
        ) from exc
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataFileError(f"{path}: fichier illisible ({exc})") from exc


def geojson_features(path: str | Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection, or of a single Feature."""
    data = load_json(path)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise DataFileError(f"{path}: FeatureCollection sans tableau « features »")
        return features
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise DataFileError(f"{path}: ni FeatureCollection ni Feature GeoJSON")
