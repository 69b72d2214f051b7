from django.urls import reverse

NAVIGATION = [
    ("dashboard", "Dashboard"),
    ("journal", "Journal"),
    ("timeline", "Timeline"),
    ("collection", "Collection"),
    ("analytics", "Analytics"),
    ("playlists", "Playlists"),
    ("settings", "Settings"),
]


def navigation(request):
    """The main navigation, with the current section marked."""
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else None
    items = [
        {"url": reverse(name), "label": label, "active": current == name}
        for name, label in NAVIGATION
    ]
    return {"nav_items": items}
