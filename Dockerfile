FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config gcc libmariadb-dev \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r /tmp/requirements.txt

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home polmed
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY . .
ENV DJANGO_DEBUG=false PYTHONUNBUFFERED=1
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p logs && chown -R polmed /app/logs
USER polmed
EXPOSE 5000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "polmed.wsgi"]
