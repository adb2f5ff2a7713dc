# MDG Workbench: the Streamlit app on port 8501, data in /app/data (mount a volume there).
FROM python:3.11-slim-bookworm

# llama-cpp-python compiles from source; the rest are wheels.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake git \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --upgrade "pip>=25" \
 && pip install --no-cache-dir --no-deps -r requirements.txt

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
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
