"""The documented error tables (`specs/errors.yaml`) as typed, validated rows.

Each row says which `error` / `suberror` / AADSTS codes an endpoint step answers for one documented condition, where the
docs say so, and how a client can trigger it. Everything that builds or checks an error body looks rows up here by id.

- `rows`: the rows and the table's queries;
- `reader`: the file read and validated (`table()`, the project's, loaded once; `load(path)`, `parse(document)`).
"""

from conformance.contract.errors.reader import TRIGGER_KINDS, load, parse, table
from conformance.contract.errors.rows import ErrorRow, ErrorTable, Source, TableInfo, Trigger

__all__ = ["TRIGGER_KINDS", "ErrorRow", "ErrorTable", "Source", "TableInfo", "Trigger", "load", "parse", "table"]
