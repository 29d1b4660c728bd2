"""Shared foundations: errors, text normalisation, calendars, safe files and results side files.

The lowest layer: it imports nothing else from :mod:`csmlib`.
"""
