# The improvement-plan dashboard in a container: Debian, Debian's chromium (charts as
# images in the packs), a non-root user, a health check, and the data in volumes.
#
#   docker build -t cipdash .
#   docker run -d -p 127.0.0.1:8501:8501 \
#     -v /srv/cipdash/cip_data:/app/cip_data -v /srv/cipdash/data:/app/data -v /srv/cipdash/var:/app/var \
#     -v /srv/cipdash/secrets.toml:/app/.streamlit/secrets.toml:ro \
#     -e CIPDASH_ALLOWED_HOSTS=dashboard.council.gov.uk cipdash
#
# Without a secrets file holding [auth] the dashboard refuses to serve beyond the container
# (README: Sign-in; Deploying behind a reverse proxy). tools/build_container.sh builds the
# base image locally with debootstrap (no image registry needed) and smoke-tests the result.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

# Debian's packages: Python and chromium (skipped when the base image already has them,
# as the debootstrap base does, so the build then needs no network).
RUN if ! command -v chromium >/dev/null || ! python3 -c "import venv, ensurepip" 2>/dev/null; then \
        apt-get update && \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            python3 python3-venv chromium ca-certificates fonts-dejavu-core && \
        rm -rf /var/lib/apt/lists/*; \
    fi

# A user of its own, who owns only what the dashboard writes.
RUN groupadd --system --gid 10001 cipdash && \
    useradd --system --uid 10001 --gid cipdash --home-dir /app --shell /usr/sbin/nologin cipdash

WORKDIR /app
# Wheels fetched beforehand (tools/build_container.sh) are used when present; otherwise PyPI.
COPY requirements.txt /app/requirements.txt
# (".build/wheel[s]" matches nothing when the folder is missing; requirements.txt keeps the COPY valid.)
COPY requirements.txt .build/wheel[s] /tmp/wheels/
RUN python3 -m venv /app/.venv && \
    if ls /tmp/wheels/*.whl >/dev/null 2>&1; then \
        /app/.venv/bin/pip install --no-index --find-links /tmp/wheels -r requirements.txt; \
    else \
        /app/.venv/bin/pip install -r requirements.txt; \
    fi && \
    rm -rf /tmp/wheels /root/.cache

COPY --chown=root:root cipdash/ /app/cipdash/
COPY --chown=root:root pages/ /app/pages/
COPY --chown=root:root dashboard.py /app/dashboard.py
COPY --chown=root:root .streamlit/config.toml /app/.streamlit/config.toml
# The sample plan and extracts, so that the image runs as it is; mount your own over them.
COPY --chown=cipdash:cipdash cip_data/ /app/cip_data/
COPY --chown=cipdash:cipdash data/ /app/data/
RUN mkdir -p /app/var && chown cipdash:cipdash /app/var

ENV CIPDASH_DB=/app/var/cipdash.duckdb \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/app/cip_data", "/app/data", "/app/var"]
USER cipdash
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"]

# Load what the volumes hold, then serve on every interface of the container: the launcher
# refuses that without [auth] in the mounted secrets file (see cipdash/launch.py).
CMD ["/bin/sh", "-c", "/app/.venv/bin/python -m cipdash load && exec /app/.venv/bin/python -m cipdash.launch --address 0.0.0.0 --server.port 8501"]
