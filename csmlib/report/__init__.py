"""Presentation: figures, tables and text for the page, HTML rendering, the register files.

Imports the statistics, survey and core layers; never the batch layer or the CLI.
"""
