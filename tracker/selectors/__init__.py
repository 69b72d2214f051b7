"""Read-side queries of the listening history, shaped for the pages."""
