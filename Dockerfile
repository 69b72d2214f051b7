# Music Journal: gunicorn serving the app, whitenoise serving static files.
# Configure with environment variables (see .env.example): DATABASE_URL, REDIS_URL, SECRET_KEY…
# The same image runs a worker with: docker run … music-journal python manage.py qcluster --skip-checks
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    JOURNAL_DATA_DIR=/data \
    DEBUG=0 \
    SEED_DEMO=0 \
    ALLOWED_HOSTS=*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 journal \
 && mkdir -p /data && chown journal:journal /data

USER journal
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"

ENTRYPOINT ["/app/docker-entrypoint.sh"]
# --preload: the workers share the loaded app (80 MiB less for three, bench/memory.py).
CMD ["gunicorn", "config.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
