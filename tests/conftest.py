"""The project's tests. This file puts `tests/` on `sys.path`, so that helpers shared by several test folders
(`browser_support`) import by name, like each folder's own `*_support` modules."""
