"""Webhooks out: the worker's HTTP side of delivering events (see core.webhooks)."""
