# The bot in a small image: slim Python, a non-root user, the database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/data/mutualaid.db \
    WEBHOOK_LISTEN=0.0.0.0

WORKDIR /app
# The /stats chart's letters for Urdu, Arabic and Bengali (Noto Naskh Arabic, Noto Sans
# Bengali): the slim image has only DejaVu, which lacks some of them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*
# The runtime packages first, exactly as locked and each checked against its hash (a
# layer that only changes with the lock); then the bot itself with nothing more, built
# by the locked setuptools.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY locales ./locales
RUN pip install --no-deps --no-build-isolation . \
    && pybabel compile --domain bot --directory locales \
    && useradd --create-home --uid 10001 helper \
    && mkdir -p /data && chown helper:helper /data

USER helper
VOLUME ["/data"]
# --check also fails when the bot's heartbeat (a file beside the database) goes stale.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s \
    CMD ["python", "-m", "bot", "--check"]
ENTRYPOINT ["python", "-m", "bot"]
