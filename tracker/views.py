from django.shortcuts import render


def dashboard(request):
    return render(request, "tracker/dashboard.html", {})


def journal(request):
    return render(request, "tracker/journal.html", {})


def timeline(request):
    return render(request, "tracker/timeline.html", {})


def analytics(request):
    return render(request, "tracker/analytics.html", {})
