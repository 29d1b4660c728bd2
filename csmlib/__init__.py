"""csmlib: statistics and pipeline of the CSM workbench."""
__version__ = "0.1.0"
