"""Read-side queries of the catalog, shaped for the pages."""
