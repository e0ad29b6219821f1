"""Spreadsheet import: fields of each kind, cell values, rows grouped into records.

The service that runs an import is core.services.imports; it writes through
core.services.sync, the same upserts the integration API calls.
"""
