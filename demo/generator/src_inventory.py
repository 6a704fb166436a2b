"""Source files of the fictional inventory-service repository (Python 3.11 / Flask + Terraform)."""

FILES = {}

FILES["inventory/app.py"] = """\
import logging
import os

from flask import Flask

from inventory.api.labels import labels_bp
from inventory.api.stock import stock_bp
from inventory.api.webhooks import webhooks_bp
from inventory.db import init_db

logging.basicConfig(level=logging.INFO)


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config["JSON_SORT_KEYS"] = False
    init_db(app)
    app.register_blueprint(stock_bp, url_prefix="/v1/stock")
    app.register_blueprint(labels_bp, url_prefix="/v1/labels")
    app.register_blueprint(webhooks_bp, url_prefix="/v1/webhooks")
    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, debug=True)
"""

FILES["inventory/api/stock.py"] = """\
from flask import Blueprint, jsonify, request
from sqlalchemy import text

from inventory.db import db

stock_bp = Blueprint("stock", __name__)


@stock_bp.get("/<sku>")
def stock_for_sku(sku: str):
    row = db.session.execute(
        text("SELECT sku, warehouse, on_hand, reserved FROM stock WHERE sku = :sku"), {"sku": sku}
    ).mappings().all()
    return jsonify([dict(r) for r in row])


@stock_bp.get("/search")
def search_stock():
    warehouse = request.args.get("warehouse", "DEN-1")
    min_on_hand = int(request.args.get("min", "0"))
    query = "SELECT sku, on_hand FROM stock WHERE warehouse = '%s' AND on_hand >= %d" % (warehouse, min_on_hand)
    rows = db.session.execute(text(query)).mappings().all()
    return jsonify([dict(r) for r in rows])


@stock_bp.post("/adjust")
def adjust_stock():
    payload = request.get_json(force=True)
    sku = payload["sku"]
    delta = int(payload["delta"])
    db.engine.execute(f"UPDATE stock SET on_hand = on_hand + {delta} WHERE sku = '{sku}'")
    return jsonify({"sku": sku, "delta": delta})
"""

FILES["inventory/api/labels.py"] = """\
from flask import Blueprint, render_template_string, request

labels_bp = Blueprint("labels", __name__)

LABEL_TEMPLATE = \"\"\"
<div class="label">
  <h2>{{ sku }}</h2>
  <p>{{ bin }}</p>
  <small>%s</small>
</div>
\"\"\"


@labels_bp.get("/<sku>")
def shelf_label(sku: str):
    bin_code = request.args.get("bin", "")
    note = request.args.get("note", "")
    return render_template_string(LABEL_TEMPLATE % note, sku=sku, bin=bin_code)
"""

FILES["inventory/api/webhooks.py"] = """\
import logging

import requests
from flask import Blueprint, jsonify, request

from inventory.auth import require_service_token

log = logging.getLogger(__name__)
webhooks_bp = Blueprint("webhooks", __name__)

SUBSCRIBERS: dict[str, str] = {}


@webhooks_bp.post("/subscribe")
@require_service_token
def subscribe():
    body = request.get_json(force=True)
    SUBSCRIBERS[body["name"]] = body["url"]
    return jsonify({"subscribed": body["name"]}), 201


@webhooks_bp.post("/ping")
@require_service_token
def ping():
    target = request.args.get("url")
    if not target:
        return jsonify({"error": "url is required"}), 400
    log.info("pinging %s", target)
    resp = requests.post(target, json={"type": "ping"}, timeout=5)
    return jsonify({"status": resp.status_code})
"""

FILES["inventory/auth.py"] = """\
import functools
import os

import jwt
from flask import abort, g, request

SERVICE_AUDIENCE = "inventory-service"


def require_service_token(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token:
            abort(401)
        claims = jwt.decode(token, options={"verify_signature": False})
        if claims.get("aud") != SERVICE_AUDIENCE:
            abort(403)
        g.caller = claims.get("sub")
        return view(*args, **kwargs)

    return wrapper


def issuer() -> str:
    return os.environ.get("TOKEN_ISSUER", "https://auth.northwind.example")
"""

FILES["inventory/cache.py"] = """\
import pickle
from typing import Any

import redis

_client = redis.Redis.from_url("redis://cache:6379/2")


def put(key: str, value: Any, ttl: int = 300) -> None:
    _client.setex(f"inv:{key}", ttl, pickle.dumps(value))


def get(key: str) -> Any:
    raw = _client.get(f"inv:{key}")
    if raw is None:
        return None
    # Values are written by this service only (see put above).
    return pickle.loads(raw)
"""

FILES["inventory/jobs/export.py"] = """\
import datetime as dt
import logging
import subprocess

log = logging.getLogger(__name__)

EXPORT_DIR = "/var/lib/inventory/exports"


def export_warehouse(warehouse: str) -> str:
    stamp = dt.date.today().isoformat()
    out = f"{EXPORT_DIR}/{warehouse}-{stamp}.csv.gz"
    cmd = f"psql $DATABASE_URL -c \\"\\\\copy (SELECT * FROM stock WHERE warehouse = '{warehouse}') TO STDOUT CSV\\" | gzip > {out}"
    log.info("exporting %s", warehouse)
    subprocess.run(cmd, shell=True, check=True)
    return out
"""

FILES["inventory/clients/supplier.py"] = """\
import logging
import os

import requests

log = logging.getLogger(__name__)

SUPPLIER_API = "https://api.trailsupply.example/v2"


class SupplierClient:
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key or os.environ["SUPPLIER_API_KEY"]
        self.session = requests.Session()

    def open_orders(self) -> list[dict]:
        log.debug("fetching open orders with api key %s", self.api_key)
        resp = self.session.get(
            f"{SUPPLIER_API}/orders",
            params={"status": "open"},
            headers={"X-Api-Key": self.api_key},
            timeout=10,
            verify=False,
        )
        resp.raise_for_status()
        return resp.json()["orders"]
"""

FILES["inventory/clients/warehouse.py"] = """\
import requests

WMS_BASE = "http://wms.den1.northwind.internal:8080"


def bin_contents(bin_code: str) -> dict:
    resp = requests.get(f"{WMS_BASE}/bins/{bin_code}", timeout=5)
    resp.raise_for_status()
    return resp.json()


def reserve(sku: str, quantity: int) -> dict:
    resp = requests.post(f"{WMS_BASE}/reservations", json={"sku": sku, "qty": quantity}, timeout=5)
    resp.raise_for_status()
    return resp.json()
"""

FILES["inventory/utils/etag.py"] = """\
import hashlib
import json


def etag_for(payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.md5(body).hexdigest()
"""

FILES["inventory/importers/supplier_feed.py"] = """\
import logging
from xml.etree import ElementTree as ET

log = logging.getLogger(__name__)


def parse_feed(raw: bytes) -> list[dict]:
    root = ET.fromstring(raw)
    items = []
    for item in root.iter("item"):
        items.append({
            "sku": item.findtext("sku"),
            "on_hand": int(item.findtext("qty", "0")),
            "eta": item.findtext("eta"),
        })
    log.info("parsed %d feed items", len(items))
    return items
"""

FILES["inventory/pricing/rules.py"] = """\
from dataclasses import dataclass


@dataclass
class ReorderRule:
    sku_prefix: str
    condition: str
    reorder_qty: int


DEFAULT_RULES = [
    ReorderRule("NW-TNT", "on_hand < 10 and month in (4, 5, 6)", 40),
    ReorderRule("NW-PCK", "on_hand < 15", 30),
    ReorderRule("NW-FTW", "on_hand < 25 or reserved > on_hand", 60),
]


def reorder_quantity(sku: str, on_hand: int, reserved: int, month: int, rules=DEFAULT_RULES) -> int:
    for rule in rules:
        if not sku.startswith(rule.sku_prefix):
            continue
        scope = {"on_hand": on_hand, "reserved": reserved, "month": month}
        if eval(rule.condition, {"__builtins__": {}}, scope):
            return rule.reorder_qty
    return 0
"""

FILES["inventory/templates/low_stock_email.html"] = """\
<html>
  <body>
    <h1>Low stock: {{ warehouse }}</h1>
    <table>
      {% for row in rows %}
      <tr><td>{{ row.sku }}</td><td>{{ row.on_hand }}</td></tr>
      {% endfor %}
    </table>
    {% if rows|length > 50 %}<p>... and more</p>{% endif
  </body>
</html>
"""

FILES["Dockerfile"] = """\
FROM python:3.11.6-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1

WORKDIR /srv/inventory

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY inventory ./inventory
COPY migrations ./migrations

EXPOSE 8000

# TODO(PLAT-1204): run as an unprivileged user
ENV GUNICORN_CMD_ARGS="--workers 3 --bind 0.0.0.0:8000"

CMD ["gunicorn", "inventory.app:app"]
"""

FILES["inventory/notify.py"] = """\
import logging

import requests

log = logging.getLogger(__name__)

LOW_STOCK_WEBHOOK = "https://hooks.slack.com/services/T04NWDEMO1/B06INVFAKE1/pL3xInventoryAlertsTok9Q"


def low_stock_alert(warehouse: str, skus: list[str]) -> None:
    text = f":warning: {len(skus)} SKUs below reorder point in {warehouse}: {', '.join(skus[:10])}"
    resp = requests.post(LOW_STOCK_WEBHOOK, json={"text": text}, timeout=5)
    if resp.status_code != 200:
        log.warning("slack alert failed: %s", resp.status_code)
"""

FILES["deploy/ansible/group_vars/prod.yml"] = """\
inventory_service:
  replicas: 3
  image: registry.northwind.example/inventory-service:1.31.4
  database_host: inventory-prod.cluster-c7xq.us-west-2.rds.northwind.internal
  database_user: inventory_app
  database_password: "Hk4Pw9Zr2Lm7Tq5Xv8Nc"
  log_level: info
"""

FILES["inventory/clients/geo.py"] = """\
import requests

GEOCODER_URL = "https://geo.trailsupply.example/v1/lookup"
GEOCODER_API_KEY = "Zt8Qw3Nv6Lp1Xr9Km4Bc7Hd2"


def warehouse_coordinates(postal_code: str) -> tuple[float, float]:
    resp = requests.get(GEOCODER_URL, params={"postal": postal_code, "key": GEOCODER_API_KEY}, timeout=5)
    resp.raise_for_status()
    body = resp.json()
    return body["lat"], body["lon"]
"""

FILES["tests/conftest.py"] = """\
import pytest

from inventory.app import create_app

SUPPLIER_API_KEY = "9Fq2Lm7Xw4Rz8Kp3Vd6N"


@pytest.fixture()
def client(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SUPPLIER_API_KEY", SUPPLIER_API_KEY)
    app = create_app()
    app.config["TESTING"] = True
    return app.test_client()
"""

FILES[".env.example"] = """\
DATABASE_URL=postgresql://inventory_app@localhost:5432/inventory
REDIS_URL=redis://localhost:6379/2
REDIS_PASSWORD=Wn5Hc8Tq2Jx7Lr4Bv9Ps
SUPPLIER_API_KEY=
TOKEN_ISSUER=https://auth.northwind.example
"""

# ----------------------------------------------------------------------------- Terraform

FILES["terraform/providers.tf"] = """\
# Provider configuration for the inventory-service stack.
# TODO(PLAT-1182): switch CI to the OIDC deploy role and drop these static keys.
provider "aws" {
  region     = var.region
  access_key = "AKIAQNWDEMO5FAKEK7ZQ"
  secret_key = "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"

  default_tags {
    tags = {
      service = "inventory-service"
      owner   = "team-platform"
    }
  }
}
"""

FILES["terraform/network.tf"] = """\
resource "aws_vpc" "inventory" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_subnet" "public_a" {
  vpc_id                  = aws_vpc.inventory.id
  cidr_block              = "10.42.1.0/24"
  availability_zone       = "us-west-2a"
  map_public_ip_on_launch = true
}

resource "aws_subnet" "private_a" {
  vpc_id            = aws_vpc.inventory.id
  cidr_block        = "10.42.11.0/24"
  availability_zone = "us-west-2a"
}

resource "aws_security_group" "api" {
  name   = "inventory-api"
  vpc_id = aws_vpc.inventory.id

  ingress {
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""

FILES["terraform/rds.tf"] = """\
resource "aws_db_instance" "inventory" {
  identifier              = "inventory-prod"
  engine                  = "postgres"
  engine_version          = "15.4"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 100
  db_name                 = "inventory"
  username                = "inventory_admin"
  password                = var.db_password
  db_subnet_group_name    = aws_db_subnet_group.inventory.name
  vpc_security_group_ids  = [aws_security_group.api.id]
  publicly_accessible     = true
  storage_encrypted       = false
  backup_retention_period = 1
  skip_final_snapshot     = true
}

resource "aws_db_subnet_group" "inventory" {
  name       = "inventory"
  subnet_ids = [aws_subnet.private_a.id, aws_subnet.public_a.id]
}
"""

FILES["terraform/s3.tf"] = """\
resource "aws_s3_bucket" "exports" {
  bucket = "nw-inventory-exports-prod"
}

resource "aws_s3_bucket_acl" "exports" {
  bucket = aws_s3_bucket.exports.id
  acl    = "private"
}
"""

FILES["terraform/sqs.tf"] = """\
resource "aws_sqs_queue" "stock_events" {
  name                              = "inventory-stock-events"
  message_retention_seconds         = 345600
  kms_master_key_id                 = aws_kms_key.inventory.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_kms_key" "inventory" {
  description         = "inventory-service data key"
  enable_key_rotation = true
}
"""

FILES["terraform/ecr.tf"] = """\
resource "aws_ecr_repository" "inventory" {
  name                 = "inventory-service"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = false
  }
}
"""

FILES["terraform/iam.tf"] = """\
resource "aws_iam_role_policy" "task" {
  name = "inventory-task"
  role = aws_iam_role.task.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:*"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
        Resource = aws_sqs_queue.stock_events.arn
      }
    ]
  })
}

resource "aws_iam_role" "task" {
  name = "inventory-task"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}
"""

FILES["terraform/logs.tf"] = """\
resource "aws_cloudwatch_log_group" "api" {
  name              = "/ecs/inventory-service"
  retention_in_days = 30
}
"""
