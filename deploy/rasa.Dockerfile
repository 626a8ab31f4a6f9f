# The Rasa image: Rasa 3.6 (Python 3.10) with a model trained at build time.
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=/app
WORKDIR /app
COPY requirements/rasa.lock requirements/rasa.lock
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv pip install --system --no-cache -r requirements/rasa.lock
COPY assistant/ assistant/
# The authenticated web channel (identity from the app's JWT), named in rasa-credentials.yml.
COPY channels/ channels/
RUN cd assistant && rasa train --out models --fixed-model-name current
COPY deploy/rasa-endpoints.yml /app/deploy/rasa-endpoints.yml
# Not assistant/credentials.yml: its anonymous `rest` channel is for local development only.
COPY deploy/rasa-credentials.yml /app/deploy/rasa-credentials.yml
RUN useradd --system --uid 10001 rasa && chown -R rasa /app
USER rasa
EXPOSE 5005
# The HTTP API (used by the app for NLU parse and human handoff) needs RASA_TOKEN.
CMD ["sh", "-c", "exec rasa run --enable-api --auth-token \"$RASA_TOKEN\" --port 5005 --model /app/assistant/models/current.tar.gz --endpoints /app/deploy/rasa-endpoints.yml --credentials /app/deploy/rasa-credentials.yml"]
