"""Write-side business logic of the listening history (ingest, imports, demo data)."""
