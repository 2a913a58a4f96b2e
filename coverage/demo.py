"""What `load_demo` loads for coverage: the IFN excerpt of 04, 05 and 974 shipped in fixtures/."""

from django.conf import settings

IFN_EXCERPT = settings.FIXTURES_DIR / "reference" / "ifn-communes-04-05-974.csv"
