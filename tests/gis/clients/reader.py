"""geopandas/pyogrio reads run in a child process, never in the test process.

pyogrio holds the GIL while GDAL fetches pages over HTTP: read in the pytest process, GDAL would
wait forever for the live server thread of that same process. The child (spawned, so it
inherits no Django state) reads and sends the frame back pickled.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def read_file(source: str, **kwargs):
    import geopandas

    return geopandas.read_file(source, **kwargs)


def read_dataframe(source: str, **kwargs):
    import pyogrio

    return pyogrio.read_dataframe(source, **kwargs)


def gdal_version() -> str:
    import pyogrio

    return pyogrio.__gdal_version_string__


def child_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
