# MDG Workbench: the Streamlit app on port 8501, data in /app/data (mount a volume there).
# Built with the same install script as `make install` (portable llama-cpp-python, see
# scripts/install_llama.sh) and checked by the same doctor: a broken native build fails the image build.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV PYTHON=python3.11 \
    MDG_WHEEL_CACHE=/tmp/wheels \
    PATH=/opt/venv/bin:$PATH
COPY requirements.txt ./
COPY scripts/install.sh scripts/install_llama.sh scripts/
RUN scripts/install.sh /opt/venv && rm -rf /tmp/wheels /root/.cache/pip

COPY . .
RUN python -m mdg_core --db /tmp/doctor.db doctor --require-all > /dev/null && rm -f /tmp/doctor.db*

ENV MDG_DB_PATH=/app/data/mdg.db \
    TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" \
    HF_HUB_OFFLINE=1 \
    PYTHONUNBUFFERED=1
VOLUME ["/app/data"]
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
# Inside a container the app must listen on the container's interface to be reachable through the published
# port; publish it on the host's loopback only: docker run -p 127.0.0.1:8501:8501 …
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
