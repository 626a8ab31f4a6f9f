# The app image: FastAPI + domain services + action server + built web pages (Python 3.11).
FROM node:20-bookworm-slim AS web
WORKDIR /src/web_widget
COPY web_widget/package.json web_widget/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web_widget/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv pip install --system --no-cache -r requirements/app.lock
COPY pyproject.toml ./
COPY shuiwu/ shuiwu/
COPY actions/ actions/
RUN uv pip install --system --no-cache --no-deps .
COPY --from=web /src/web_widget/dist /app/web_widget/dist
ENV WEB_DIST=/app/web_widget/dist
RUN useradd --system --uid 10001 shuiwu && mkdir -p /var/lib/shuiwu && chown shuiwu /var/lib/shuiwu
USER shuiwu
EXPOSE 8000
CMD ["sh", "-c", "exec uvicorn shuiwu.main:create_app --factory --host 0.0.0.0 --port 8000 --proxy-headers --forwarded-allow-ips='*' --no-access-log"]
