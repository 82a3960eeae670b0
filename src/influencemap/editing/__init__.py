"""Editing layer files safely: text-level feature edits and guarded writes (Qt-free)."""
