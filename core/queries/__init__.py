"""Queries: every read the front ends make, scoped and paginated."""
