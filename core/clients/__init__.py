"""Thin clients for each outside service, built lazily from settings, used through `core.resilience`.

One module per service: lastfm (pylast), spotify (spotipy), discogs (discogs_client),
wikidata and apify (requests), ai (openai, any compatible endpoint). Each offers the
library object (`<service>_client()`), a few typed helpers returning plain data, and a
`check_connection()` used by the settings page's "test connection" button.
"""
