"""Reads for the import: the column mapping an organization used last time."""

import json

from core.models import ImportMapping


def get_remembered_mapping(organization_id: int, kind: str) -> dict[str, str]:
    """The field -> column mapping of the organization's last import of this kind ({} if none)."""
    row = ImportMapping.get_or_none(ImportMapping.organization == organization_id,
                                    ImportMapping.kind == kind)
    return json.loads(row.columns) if row else {}
