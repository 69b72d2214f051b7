"""API authentication: the browser session, or a personal token as `Authorization: Bearer`."""

from django.utils import timezone
from ninja.security import HttpBearer

from core.models import ApiToken


class PersonalTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash(token)).first()
        if api_token is None or not api_token.user.is_active:
            return None
        if api_token.last_used_at is None or (timezone.now() - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user
