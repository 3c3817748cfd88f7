# syntax=docker/dockerfile:1
# ecommerce-service image: wheels built in a throw-away stage, a slim runtime with only the MariaDB/MySQL
# client library, a non-root user, static files collected at build time and served by WhiteNoise.
#   docker build -t ecommerce-service:dev .
#   docker run --rm -p 8080:8080 --env-file .env ecommerce-service:dev            # web (default)
#   docker run --rm --env-file .env ecommerce-service:dev migrate|worker|manage <command>

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- builder: compile wheels (mysqlclient needs the client headers, pkg-config and gcc) ------------------
FROM ${PYTHON_IMAGE} AS builder
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc pkg-config default-libmysqlclient-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

# --- runtime ------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="ecommerce-service" \
      org.opencontainers.image.description="Django shop backend: REST API, admin, background worker"

# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ecommerce.settings \
    DJANGO_DEBUG=false \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MANIFEST_STATIC=true \
    PORT=8080

COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels

WORKDIR /app
COPY . .
# Static files at build time with a build-only key given inline (never an ENV: nothing secret stays in the
# image); bytecode compiled now because the root filesystem is read-only at run time.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput --verbosity 0 \
 && python -m compileall -q -j 0 /app \
 && chmod 0755 /app/docker/entrypoint.sh

USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
