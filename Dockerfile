# Production image: gunicorn serving Django, static files collected for whitenoise.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 1000 app
# Pango (and a font) for WeasyPrint, which renders the PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config ./config
COPY governance ./governance
COPY coding ./coding
RUN pip install .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=localhost \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-secret-collectstatic-only-000 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R app:app /app
USER app
EXPOSE 8000
CMD ["sh", "-c", "gunicorn config.wsgi:application --bind 0.0.0.0:${PORT} --workers ${GUNICORN_WORKERS:-3} --access-logfile - --forwarded-allow-ips='*'"]
