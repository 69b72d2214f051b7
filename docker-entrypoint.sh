#!/bin/sh
# Migrate (which also upserts the schedules) and create the owner, then run the command.
set -e
if [ "${SKIP_MIGRATE:-0}" != "1" ]; then
  python manage.py migrate --noinput
  python manage.py bootstrap
fi
exec "$@"
