# broadcaster service image: one image for every role (sender, scheduler, web, all).
# Build: docker build -t broadcaster .   (see docs/postgres.md and docker-compose.yml)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# the project's own files only; runtime dependencies come from pyproject.toml
COPY pyproject.toml README.md ./
COPY broadcaster ./broadcaster
COPY adapters ./adapters
COPY content ./content
COPY schedules ./schedules
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin broadcaster \
    && mkdir -p /app/var \
    && chown broadcaster /app/var

COPY config.toml ./config.toml

USER 10001
EXPOSE 8080

# the HTTP app listens on all interfaces inside the container; roles come from --role or
# BROADCASTER_SERVICE__ROLES, the store from BROADCASTER_STORE__URL
ENV BROADCASTER_HTTP__HOST=0.0.0.0 \
    BROADCASTER_CONFIG=/app/config.toml

# no HEALTHCHECK here: only the web role serves /healthz (docker-compose.yml checks it there)
ENTRYPOINT ["broadcaster"]
CMD ["run", "--role", "all"]
