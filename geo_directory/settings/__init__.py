"""Settings: ``base`` (environment-driven), ``local`` (default), ``test``, ``production``."""
