from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.models import ApiToken


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it once (send it as `Authorization: Bearer <token>`)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="A label to recognise the token by.")
        parser.add_argument("--read-only", action="store_true", help="The token may only read (GET), never write.")

    def handle(self, *args, username, name, read_only, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named '{username}'.")
        token, raw = ApiToken.issue(user=user, name=name, scope=ApiToken.READ if read_only else ApiToken.WRITE)
        self.stdout.write(raw)
        self.stderr.write(f"Token '{token.name}' ({token.get_scope_display().lower()}) created for {username}; "
                          "it is shown only this once.")
