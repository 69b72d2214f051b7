from django.shortcuts import get_object_or_404, render

from catalog.models import Album, Artist


def collection(request):
    return render(request, "catalog/collection.html", {})


def album_detail(request, album_id: int):
    album = get_object_or_404(Album, pk=album_id)
    return render(request, "catalog/album_detail.html", {"album": album})


def artist_detail(request, artist_id: int):
    artist = get_object_or_404(Artist, pk=artist_id)
    return render(request, "catalog/artist_detail.html", {"artist": artist})
