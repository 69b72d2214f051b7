"""Thin clients for each outside service, built lazily from settings, used through `core.resilience`.

One module per service: lastfm (pylast), spotify (spotipy), discogs (discogs_client),
wikidata and apify (requests), ai (openai, any compatible endpoint). Each offers the
library object (`<service>_client()`) and a few typed helpers returning plain data;
checks.py holds each service's "test connection" call, named by its `ServiceSpec`
(core.resilience.services), the one registry entry of each service.
"""
