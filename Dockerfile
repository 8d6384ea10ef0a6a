FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY attrib ./attrib
COPY indexer ./indexer
COPY cli ./cli
RUN pip install --no-cache-dir '.[web]'
ENTRYPOINT ["attrib"]
CMD ["--help"]
