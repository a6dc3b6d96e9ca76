"""The conformance suites: run with `conformance run` or `pytest --pyargs conformance.suites`."""
