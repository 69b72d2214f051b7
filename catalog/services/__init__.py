"""Catalog writes: keyword-only service functions called by views, admin, commands and tasks."""
