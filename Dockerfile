# The PeerGraph API. Build: docker build -t peergraph .   (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1 \
    PEERGRAPH_ASSETS_DIR=/opt/peergraph/vendor \
    PEERGRAPH_DATA_DIR=/var/lib/peergraph

WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY domain ./domain
COPY graph_store ./graph_store
COPY seeds ./seeds

# Install, then fetch the pinned GraphiQL assets (integrity-checked against the
# npm registry's sha512) into the image, so the playground works offline.
RUN pip install . \
 && PEERGRAPH_ENV=development peergraph fetch-assets \
 && useradd --system --uid 10001 --home-dir /var/lib/peergraph --create-home peergraph \
 && rm -rf /src

WORKDIR /var/lib/peergraph
USER peergraph
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"]

# Seeds an empty store on first start, then serves.
CMD ["peergraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
