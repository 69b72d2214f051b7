from django.shortcuts import render


def playlist_list(request):
    return render(request, "playlists/playlist_list.html", {})
