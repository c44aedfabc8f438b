# journeybot: the Slack bot, its scheduler and its SQLite database in one small image.
#   docker build -t journeybot .
#   docker run --env-file .env -v journeybot-data:/data -p 3000:3000 journeybot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE manifest.yml ./
COPY prioritize ./prioritize
COPY storage ./storage
COPY bot ./bot
# bot/manifest.yml links to ../manifest.yml in the source tree; the wheel gets a copy.
RUN pip install . && rm -rf /src

# A user of its own: the bot never runs as root, and owns only its data folder.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home journeybot \
    && mkdir /data && chown journeybot:journeybot /data
ENV JOURNEYBOT_DB=/data/journeybot.db
VOLUME ["/data"]
WORKDIR /data
USER journeybot

# 3000: Slack's requests in HTTP mode. 8080: /healthz in either mode (Socket Mode has no
# other listener), which the health check below asks.
EXPOSE 3000 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

# Docker waits 10 s after SIGTERM before it kills: finish queued work within 8.
STOPSIGNAL SIGTERM
ENTRYPOINT ["journeybot"]
CMD ["run", "--port", "3000", "--health-port", "8080", "--shutdown-timeout", "8"]
