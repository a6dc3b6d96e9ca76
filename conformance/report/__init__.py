"""Reports of a conformance run: HTML (pytest-html), traceability page, JUnit XML, JSON summary and their diff.

One stream of results feeds every format: each worker attaches a small `conformance_result` record to its test reports
(`record.py`) and writes the test's transcript (`transcripts.py`); the controller collects the records (`results.py`)
and, at the end of the session (or as far as an interrupted run got), writes `summary.json` (`summary.py`) and
`traceability.html` (`traceability.py`) from the same data. `diff.py` compares two summaries.
"""
