FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY attrib ./attrib
COPY indexer ./indexer
COPY cli ./cli
# The compose file indexes The Stack's parquet files into Elasticsearch and serves the web page.
RUN pip install --no-cache-dir '.[stack,elastic,web]'
ENTRYPOINT ["attrib"]
CMD ["--help"]
