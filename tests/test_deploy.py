"""The container set-up users run: docker-compose.yml and the Dockerfile.

No Docker engine runs here; the compose file is checked by the real compose client
when one is installed (`docker compose` or `docker-compose`), and its essentials are
checked as data either way.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_attrib_on_an_elasticsearch_8_node():
    services = compose()["services"]
    es, attrib = services["elasticsearch"], services["attrib"]
    assert es["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:8.")
    assert es["environment"]["discovery.type"] == "single-node"
    assert "healthcheck" in es and attrib["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    env = attrib["environment"]
    assert env["ATTRIB_STORE"].startswith("http://elasticsearch:9200/")
    assert env["ATTRIB_ES_PASSWORD"] == es["environment"]["ELASTIC_PASSWORD"]
    text = (ROOT / "docker-compose.yml").read_text()
    assert text.count("PRODUCTION") >= 5  # the settings a user must change are named


def test_dockerfile_installs_every_package_of_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("attrib", "indexer", "cli"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert 'ENTRYPOINT ["attrib"]' in dockerfile


def test_compose_client_accepts_the_file():
    if shutil.which("docker-compose"):
        cmd = ["docker-compose"]
    elif shutil.which("docker") and \
            subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        cmd = ["docker", "compose"]
    else:
        pytest.skip("no compose client installed (apt-get install docker-compose)")
    done = subprocess.run([*cmd, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_compose_serves_the_web_page_over_elasticsearch():
    services = compose()["services"]
    web = services["web"]
    assert web["command"][0] == "serve" and "0.0.0.0" in web["command"]
    assert web["environment"]["ATTRIB_STORE"] == services["attrib"]["environment"]["ATTRIB_STORE"]
    assert web["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert "/healthz" in web["healthcheck"]["test"][1]
    extras = (ROOT / "Dockerfile").read_text().split("'.[", 1)[1].split("]'", 1)[0].split(",")
    assert {"web", "elastic", "stack"} <= set(extras), "the image has FastAPI, the Elasticsearch client, datasets"
