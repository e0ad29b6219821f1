"""Benchmarks: a data generator, a baseline app and the measurements run by `python -m bench`."""
