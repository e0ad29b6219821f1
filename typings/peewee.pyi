# peewee's models get their columns and foreign-key `_id` attributes at run time, which the
# stubs peewee ships can't describe (mypy reported ~150 false positives on core): here every
# name peewee exports is Any, and mypy checks core's own code (see pyproject.toml [tool.mypy]).
from typing import Any

def __getattr__(name: str) -> Any: ...
