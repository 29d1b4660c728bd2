"""Survey intake: the codebook, the wave parameters, reading responses and complaints, the Wave.

Imports only :mod:`csmlib.core`.
"""
