# Front-end libraries from npm, copied into static/vendor (never a CDN).
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm run vendor

FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY cx_hub ./cx_hub
COPY accounts ./accounts
COPY interactions ./interactions
COPY nps ./nps
COPY campaigns ./campaigns
RUN pip install --no-cache-dir -c requirements.lock .
COPY . .
COPY --from=assets /app/static/vendor ./static/vendor
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput -v 0
RUN useradd --create-home cxhub && mkdir -p /data/media && chown cxhub /data/media
USER cxhub
EXPOSE 8000
CMD ["gunicorn", "cx_hub.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "4"]
