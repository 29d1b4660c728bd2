"""Batch runs: executing notebooks, the job graph of a wave, the manifest and the reports index.

Imports every layer below it; only :mod:`csmlib.cli` and :mod:`csmlib.demo` import it.
"""
