"""The demo library: a deterministic catalog, collection and listening history for trying the app."""
