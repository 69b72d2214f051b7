from django.contrib.auth.middleware import LoginRequiredMiddleware


class JournalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login, except those marked `@login_not_required`.

    The JSON API answers 401 itself (session or bearer token) instead of redirecting.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
