"""Importers: turn other people's published datasets into layer files (YAML plus a data file).

Each importer writes files the loader reads as they are, through ``data:`` and ``fields:``,
so what it produced can be checked with ``influencemap validate`` and edited like any layer.
"""
