"""Statistics: one module per method family, pure functions on pandas/numpy objects.

Imports :mod:`csmlib.core` and the survey definitions (:mod:`csmlib.survey`), never the report or batch layers.
"""
