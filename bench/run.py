"""`make bench`: runs every benchmark script of bench/ in turn and prints their figures.

Each script measures its own baseline in the same run and prints figures and ratios; none of
them is a test. They need the larger shared data (MAILLAGE_SHARED_DATA, default ../shared/data).
The national bench database is built once (bench/_national.py) and reused while its inputs are
unchanged.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "import_places.py",
    "nearby.py",
    "coverage.py",
    "tiles.py",
    "serving.py",
    "abuse.py",
    "pages.py",
    "search_page.py",
]
# Arguments of one script in `make bench` (before those given to run.py): serving.py measures
# the peers and prints the profile of uncached requests in the same run.
ARGS = {"serving.py": ["--peers", "--profile"]}


def main() -> int:
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(
        p
        for p in HERE.glob("*.py")
        if p.name not in ORDER and p.name not in {"run.py"} and not p.name.startswith("_")
    )
    failures = 0
    for script in scripts:
        print(f"\n=== {script.name} " + "=" * (60 - len(script.name)), flush=True)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(script), *ARGS.get(script.name, []), *sys.argv[1:]],
            cwd=HERE.parent,
        )
        print(f"--- {script.name}: exit {result.returncode}, {time.perf_counter() - started:.1f} s")
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
