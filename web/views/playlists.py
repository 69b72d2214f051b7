from django.shortcuts import render

from playlists.selectors.playlists import MAX_TRACKS_SHOWN, playlist_page


def playlist_list(request):
    page = playlist_page(page=request.GET.get("page", 1))
    return render(request, "playlists/playlist_list.html", {"page": page, "max_tracks": MAX_TRACKS_SHOWN})
