"""The login page (and the admin's login form), throttled after repeated failures.

The counting lives in `core.services.throttle`; here a blocked username or address is answered
"Too many failed attempts, try again in N minutes" (HTTP 429) before any password is checked.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.forms import NON_FIELD_ERRORS

from core.services.throttle import (
    client_address,
    login_failure_record,
    login_success_record,
    login_throttle_wait,
    throttle_message,
)


class ThrottledLoginMixin:
    """For an `AuthenticationForm`: refuse a blocked attempt unchecked, count a failure, reset on success."""

    def clean(self):
        username = self.cleaned_data.get("username") or self.data.get("username", "")
        address = client_address(self.request) if self.request is not None else "unknown"
        if wait := login_throttle_wait(username=username, address=address):
            raise ValidationError(throttle_message(wait), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            if wait := login_failure_record(username=username, address=address):
                raise ValidationError(throttle_message(wait), code="throttled") from None
            raise
        if self.get_user() is not None:
            login_success_record(username=username, address=address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        return response
