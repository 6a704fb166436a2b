"""Source files of the fictional storefront-web repository (TypeScript / Express).

Only the files that scanners report on are written out. Reports quote these texts, so
line numbers, columns, offsets and snippets in the generated reports always agree.
"""

FILES = {}

FILES["src/app.ts"] = """\
import express from "express";
import cookieParser from "cookie-parser";
import helmet from "helmet";
import { sessionMiddleware } from "./config/session";
import { authRouter } from "./routes/auth";
import { searchRouter } from "./routes/search";
import { checkoutRouter } from "./routes/checkout";
import { invoicesRouter } from "./routes/invoices";
import { accountRouter } from "./routes/account";
import { reviewsRouter } from "./routes/reviews";
import { storeLocatorRouter } from "./routes/storeLocator";
import { logger } from "./logger";

const app = express();

app.disable("x-powered-by");
app.use(helmet({ contentSecurityPolicy: false }));
app.use(express.json({ limit: "1mb" }));
app.use(express.urlencoded({ extended: true }));
app.use(cookieParser());
app.use(sessionMiddleware);

app.use("/auth", authRouter);
app.use("/search", searchRouter);
app.use("/checkout", checkoutRouter);
app.use("/invoices", invoicesRouter);
app.use("/account", accountRouter);
app.use("/reviews", reviewsRouter);
app.use("/stores", storeLocatorRouter);

app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});

app.use((err: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
  logger.error({ err, path: req.path }, "unhandled error");
  res.status(500).send(`<h1>Something went wrong</h1><pre>${err.stack}</pre>`);
});

export default app;
"""

FILES["src/config/session.ts"] = """\
import session from "express-session";
import RedisStore from "connect-redis";
import { redis } from "../infra/redis";

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

export const sessionMiddleware = session({
  store: new RedisStore({ client: redis, prefix: "sf:sess:" }),
  name: "nw_session",
  secret: process.env.SESSION_SECRET as string,
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: false, secure: false, sameSite: "lax", maxAge: ONE_DAY_MS },
});
"""

FILES["src/middleware/auth.ts"] = """\
import jwt from "jsonwebtoken";
import { Request, Response, NextFunction } from "express";

export interface CustomerClaims {
  sub: string;
  email: string;
  tier: "standard" | "trailblazer";
}

export function issueToken(claims: CustomerClaims): string {
  // TODO(SF-2291): read the signing key from the secrets manager
  return jwt.sign(claims, "nw-storefront-dev-secret-2023", { expiresIn: "2h" });
}

export function requireCustomer(req: Request, res: Response, next: NextFunction) {
  const header = req.header("authorization") ?? "";
  const token = header.replace(/^Bearer /, "");
  try {
    res.locals.customer = jwt.verify(token, process.env.JWT_PUBLIC_KEY as string);
    next();
  } catch {
    res.status(401).json({ error: "unauthorized" });
  }
}
"""

FILES["src/routes/search.ts"] = """\
import { Router } from "express";
import { productRepository } from "../repositories/productRepository";

export const searchRouter = Router();

const PAGE_SIZE = 24;

function page(raw: unknown): number {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

searchRouter.get("/", async (req, res) => {
  const term = String(req.query.q ?? "");
  const category = String(req.query.category ?? "all");
  const results = await productRepository.search(term, category, page(req.query.page), PAGE_SIZE);
  res.render("search", { term, category, results });
});

searchRouter.get("/suggest", async (req, res) => {
  const term = req.query.q as string;
  const suggestions = await productRepository.suggest(term);
  if (suggestions.length === 0) {
    res.send(`<p class="empty">No products match <b>${term}</b></p>`);
    return;
  }
  res.json(suggestions);
});
"""

FILES["src/repositories/productRepository.ts"] = """\
import { pool } from "../infra/db";

export interface Product {
  sku: string;
  name: string;
  brand: string;
  priceCents: number;
  category: string;
  rating: number;
}

const COLUMNS = "sku, name, brand, price_cents AS \\"priceCents\\", category, rating";

export const productRepository = {
  async bySku(sku: string): Promise<Product | undefined> {
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM products WHERE sku = $1`, [sku]);
    return rows[0];
  },

  async search(term: string, category: string, page: number, size: number): Promise<Product[]> {
    const offset = (page - 1) * size;
    const filter = category === "all" ? "" : "AND category = $2";
    const params = category === "all" ? [`%${term}%`] : [`%${term}%`, category];
    const { rows } = await pool.query(
      `SELECT ${COLUMNS} FROM products WHERE name ILIKE $1 ${filter} ORDER BY rating DESC LIMIT ${size} OFFSET ${offset}`,
      params,
    );
    return rows;
  },

  async byBrand(brand: string): Promise<Product[]> {
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM products WHERE brand = $1`, [brand]);
    return rows;
  },

  async lowStock(threshold: number): Promise<Product[]> {
    const { rows } = await pool.query(
      `SELECT ${COLUMNS} FROM products p JOIN stock s USING (sku) WHERE s.on_hand < $1`,
      [threshold],
    );
    return rows;
  },

  async suggest(term: string): Promise<string[]> {
    const { rows } = await pool.query(
      "SELECT name FROM products WHERE name ILIKE '" + term + "%' ORDER BY rating DESC LIMIT 8",
    );
    return rows.map((r: { name: string }) => r.name);
  },
};
"""

FILES["src/repositories/orderRepository.ts"] = """\
import { pool } from "../infra/db";

export interface OrderSummary {
  id: string;
  placedAt: Date;
  totalCents: number;
  status: "placed" | "shipped" | "delivered" | "returned";
}

export const orderRepository = {
  async forCustomer(customerId: string, sort: string): Promise<OrderSummary[]> {
    const orderBy = sort === "total" ? "total_cents DESC" : "placed_at DESC";
    const { rows } = await pool.query(
      `SELECT id, placed_at AS "placedAt", total_cents AS "totalCents", status
         FROM orders WHERE customer_id = $1 ORDER BY ${orderBy}`,
      [customerId],
    );
    return rows;
  },

  async byStatus(status: string): Promise<OrderSummary[]> {
    const { rows } = await pool.query(
      `SELECT id, placed_at AS "placedAt", total_cents AS "totalCents", status FROM orders WHERE status = '${status}'`,
    );
    return rows;
  },
};
"""

FILES["src/routes/auth.ts"] = """\
import { Router } from "express";
import bcrypt from "bcryptjs";
import { customerRepository } from "../repositories/customerRepository";
import { issueToken } from "../middleware/auth";
import { logger } from "../logger";

export const authRouter = Router();

authRouter.get("/login", (req, res) => {
  res.render("login", { returnTo: req.query.returnTo ?? "/" });
});

authRouter.post("/login", async (req, res) => {
  const { email, password } = req.body;
  const customer = await customerRepository.byEmail(String(email).toLowerCase());
  if (!customer || !(await bcrypt.compare(password, customer.passwordHash))) {
    logger.info({ email }, "login failed");
    res.status(401).render("login", { error: "Invalid email or password" });
    return;
  }
  req.session.customerId = customer.id;
  res.cookie("nw_token", issueToken({ sub: customer.id, email: customer.email, tier: customer.tier }));
  const returnTo = String(req.body.returnTo ?? "/");
  res.redirect(returnTo);
});

authRouter.post("/logout", (req, res) => {
  req.session.destroy(() => {
    res.clearCookie("nw_token");
    res.redirect("/");
  });
});
"""

FILES["src/routes/invoices.ts"] = """\
import { Router } from "express";
import path from "path";
import { requireCustomer } from "../middleware/auth";

export const invoicesRouter = Router();

const INVOICE_DIR = process.env.INVOICE_DIR ?? "/var/lib/storefront/invoices";

invoicesRouter.get("/:file", requireCustomer, (req, res) => {
  const filePath = path.join(INVOICE_DIR, req.params.file);
  res.setHeader("Content-Type", "application/pdf");
  res.sendFile(filePath);
});
"""

FILES["src/routes/checkout.ts"] = """\
import { Router } from "express";
import Stripe from "stripe";
import { stripeConfig } from "../config/payments";
import { cartService } from "../services/cartService";
import { logger } from "../logger";

export const checkoutRouter = Router();
const stripe = new Stripe(stripeConfig.secretKey, { apiVersion: "2023-10-16" });

checkoutRouter.post("/intent", async (req, res) => {
  const cart = await cartService.load(req.session.id);
  const intent = await stripe.paymentIntents.create({
    amount: cart.totalCents,
    currency: "usd",
    metadata: { cartId: cart.id },
  });
  res.json({ clientSecret: intent.client_secret });
});

checkoutRouter.post("/card-fallback", async (req, res) => {
  const { cardNumber, expiry, name } = req.body;
  logger.info(`card fallback for ${name}: ${cardNumber} exp ${expiry}`);
  res.status(202).json({ queued: true });
});
"""

FILES["src/routes/account.ts"] = """\
import { Router } from "express";
import jwt from "jsonwebtoken";
import { orderRepository } from "../repositories/orderRepository";

export const accountRouter = Router();

interface TokenClaims {
  sub: string;
  email: string;
}

accountRouter.get("/orders", async (req, res) => {
  const claims = readClaims(req.cookies.nw_token);
  const orders = await orderRepository.forCustomer(claims.sub, String(req.query.sort ?? "date"));
  res.render("orders", { orders });
});

function readClaims(token: string): TokenClaims {
  return jwt.decode(token) as TokenClaims;
}
"""

FILES["src/routes/reviews.ts"] = """\
import { Router } from "express";
import { reviewRepository } from "../repositories/reviewRepository";
import { logger } from "../logger";

export const reviewsRouter = Router();

reviewsRouter.get("/:sku", async (req, res) => {
  const reviews = await reviewRepository.forSku(req.params.sku);
  res.render("reviews", { reviews });
});

reviewsRouter.post("/:sku", async (req, res) => {
  const { author, rating, body } = req.body;
  if (!author || !body) {
    res.status(400).json({ error: "author and body are required" });
    return;
  }
  const stars = Math.max(1, Math.min(5, Number(rating) || 5));
  const saved = await reviewRepository.add(req.params.sku, { author, rating: stars, body });
  logger.info("review " + saved.id + " added by " + author);
  res.status(201).send(`<li class="review">${saved.body}</li>`);
});
"""

FILES["src/routes/storeLocator.ts"] = """\
import { Router } from "express";
import { stores } from "../data/stores";

export const storeLocatorRouter = Router();

storeLocatorRouter.get("/", (req, res) => {
  const q = String(req.query.q ?? "");
  const pattern = new RegExp(q, "i");
  res.json(stores.filter((s) => pattern.test(s.city) || pattern.test(s.name)));
});
"""

FILES["src/services/imageProxy.ts"] = """\
import { Request, Response } from "express";
import axios from "axios";

const CACHE_SECONDS = 3600;

export async function proxyImage(req: Request, res: Response) {
  const src = String(req.query.src ?? "");
  if (!src) {
    res.status(400).end();
    return;
  }
  const upstream = await axios.get(src, { responseType: "stream", timeout: 5000 });
  res.setHeader("Cache-Control", `public, max-age=${CACHE_SECONDS}`);
  res.setHeader("Content-Type", upstream.headers["content-type"] ?? "image/jpeg");
  upstream.data.pipe(res);
}
"""

FILES["src/services/cartService.ts"] = """\
import { redis } from "../infra/redis";
import { productRepository } from "../repositories/productRepository";

export interface CartLine {
  sku: string;
  quantity: number;
  unitCents: number;
}

export interface Cart {
  id: string;
  lines: CartLine[];
  totalCents: number;
  options: Record<string, string>;
}

function total(lines: CartLine[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unitCents, 0);
}

export const cartService = {
  async load(sessionId: string): Promise<Cart> {
    const raw = await redis.get(`cart:${sessionId}`);
    const cart: Cart = raw ? JSON.parse(raw) : { id: sessionId, lines: [], totalCents: 0, options: {} };
    cart.totalCents = total(cart.lines);
    return cart;
  },

  async save(cart: Cart): Promise<void> {
    await redis.set(`cart:${cart.id}`, JSON.stringify(cart), "EX", 60 * 60 * 24 * 7);
  },

  async setOption(sessionId: string, body: { key: string; value: string }): Promise<Cart> {
    const cart = await this.load(sessionId);
    cart.options[body.key] = body.value;
    await this.save(cart);
    return cart;
  },

  async add(sessionId: string, sku: string, quantity: number): Promise<Cart> {
    const cart = await this.load(sessionId);
    const product = await productRepository.bySku(sku);
    if (!product) throw new Error(`unknown sku ${sku}`);
    cart.lines.push({ sku, quantity, unitCents: product.priceCents });
    await this.save(cart);
    return cart;
  },
};
"""

# The rescan: twelve lines of gift-wrap support were added above setOption, so the finding
# on `cart.options[body.key] = body.value;` moved down by exactly 12 lines.
_GIFT_WRAP = """\
  async setGiftWrap(sessionId: string, wrap: boolean): Promise<Cart> {
    const cart = await this.load(sessionId);
    if (wrap) {
      cart.options.giftWrap = "kraft-paper";
      cart.options.giftNote = cart.options.giftNote ?? "";
    } else {
      delete cart.options.giftWrap;
      delete cart.options.giftNote;
    }
    await this.save(cart);
    return cart;
  },
"""

FILES["src/services/pricingService.ts"] = """\
import { pool } from "../infra/db";

export interface PromoRule {
  id: string;
  expression: string;
  discountPct: number;
}

export interface PricingContext {
  subtotalCents: number;
  itemCount: number;
  loyaltyTier: string;
  month: number;
}

async function activeRules(): Promise<PromoRule[]> {
  const { rows } = await pool.query(
    "SELECT id, expression, discount_pct AS \\"discountPct\\" FROM promo_rules WHERE active",
  );
  return rows;
}

export async function bestDiscountPct(ctx: PricingContext): Promise<number> {
  let best = 0;
  for (const rule of await activeRules()) {
    const matches = eval("(function(ctx){ return " + rule.expression + "; })")(ctx);
    if (matches && rule.discountPct > best) best = rule.discountPct;
  }
  return best;
}
"""

FILES["src/utils/merge.ts"] = """\
export type Plain = { [key: string]: unknown };

function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function deepMerge(target: Plain, source: Plain): Plain {
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (isPlain(value)) {
      if (!isPlain(target[key])) target[key] = {};
      deepMerge(target[key] as Plain, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}
"""

FILES["src/utils/crypto.ts"] = """\
import crypto from "crypto";

export function legacyPasswordDigest(password: string, salt: string): string {
  // Accounts migrated from the 2016 storefront still carry MD5 digests.
  return crypto.createHash("md5").update(salt + password).digest("hex");
}

export function hmacSha256(key: string, message: string): string {
  return crypto.createHmac("sha256", key).update(message).digest("hex");
}
"""

FILES["src/utils/tokens.ts"] = """\
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function resetToken(length = 12): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  }
  return out;
}
"""

FILES["src/utils/validators.ts"] = """\
export function isEmail(value: string): boolean {
  return /^([a-zA-Z0-9_.+-]+)+@(([a-zA-Z0-9-])+\\.)+([a-zA-Z0-9]{2,10})+$/.test(value);
}

export function isPostalCode(value: string): boolean {
  return /^[0-9]{5}(-[0-9]{4})?$/.test(value);
}

export function isSku(value: string): boolean {
  return /^NW-[A-Z]{3}-[0-9]{5}$/.test(value);
}

export function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

export function titleCase(s: string): string {
  return s.replace(/\\b\\w/g, (c) => c.toUpperCase());
}

export function escapeForDisplay(s: string): string {
  return s.replace("<", "&lt;");
}
"""

FILES["src/services/mailer.ts"] = """\
import sgMail from "@sendgrid/mail";
import Handlebars from "handlebars";
import { readFileSync } from "fs";

sgMail.setApiKey(process.env.SENDGRID_API_KEY ?? "SG.nWdEmoFakeKey0nlyDocs0.xR7tQ2mZ8vL4pK9sB1cW6yN3hJ5fD0gE7aU2iO8eT4q");

const templates = new Map<string, HandlebarsTemplateDelegate>();

function template(name: string): HandlebarsTemplateDelegate {
  let t = templates.get(name);
  if (!t) {
    t = Handlebars.compile(readFileSync(`templates/email/${name}.hbs`, "utf8"));
    templates.set(name, t);
  }
  return t;
}

export async function sendOrderConfirmation(to: string, order: { id: string; totalCents: number }) {
  const html = template("order-confirmation")({ order });
  await sgMail.send({ to, from: "orders@northwind.example", subject: `Order ${order.id}`, html });
  console.log("order confirmation sent to " + to + " for order %s", order.id);
}
"""

FILES["src/services/analytics.ts"] = """\
import Analytics from "analytics-node";

// Segment source "storefront-web (prod)"
const segmentWriteKey = "q8Lw2vNf0xKx7TzR4pYb1mQc";

export const analytics = new Analytics(segmentWriteKey, { flushAt: 20 });

export function trackOrder(customerId: string, orderId: string, totalCents: number) {
  analytics.track({ userId: customerId, event: "Order Completed", properties: { orderId, revenue: totalCents / 100 } });
}
"""

FILES["src/config/payments.ts"] = """\
export interface StripeConfig {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
}

const env = process.env;

function required(name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

// Local development falls back to the shared test-mode account.
export const stripeConfig: StripeConfig = {
  secretKey: env.STRIPE_SECRET_KEY ?? "sk_test_51NwOutfittersDemo0nlyK3yNotRealAbCdEf",
  publishableKey: required("STRIPE_PUBLISHABLE_KEY"),
  webhookSecret: required("STRIPE_WEBHOOK_SECRET"),
};
"""

# Rescan: a currency table was added above the config object (12 lines), so the Stripe
# key moved from line 16 to line 28.
_CURRENCIES = """\
export const SUPPORTED_CURRENCIES = [
  "usd",
  "cad",
  "eur",
  "gbp",
  "aud",
  "nzd",
  "sek",
  "nok",
  "chf",
] as const;

"""

FILES["src/views/product.hbs"] = """\
<article class="product" data-sku="{{product.sku}}">
  <header>
    <h1>{{product.name}}</h1>
    <p class="brand">{{product.brand}}</p>
  </header>
  <section class="gallery">
    {{#each product.images}}
      <img src="{{this.url}}" alt="{{this.alt}}" loading="lazy">
    {{/each}}
  </section>
  <section class="price">
    {{#if product.onSale}}
      <s>{{money product.listPriceCents}}</s>
    {{/if}}
    <strong>{{money product.priceCents}}</strong>
  </section>
  <section class="description">
    {{{product.descriptionHtml}}}
  </section>
  {{> reviews-summary reviews=product.reviews}}
</article>
"""

FILES["scripts/generate-sitemap.ts"] = """\
import { exec } from "child_process";
import { writeFileSync } from "fs";

const categories = (process.argv[2] ?? "tents,packs,footwear,apparel").split(",");

for (const category of categories) {
  exec(`node dist/tools/sitemap.js --category ${category} --out public/sitemaps`, (err, stdout) => {
    if (err) {
      console.error(err);
      process.exitCode = 1;
      return;
    }
    writeFileSync(`public/sitemaps/${category}.log`, stdout);
  });
}
"""

FILES["Dockerfile"] = """\
# syntax=docker/dockerfile:1.6
FROM node:20.11.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY templates ./templates
RUN npm run build

FROM node:20.11.0-bookworm-slim
RUN apt-get update \\
 && apt-get install -y --no-install-recommends curl ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
COPY package.json ./
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8080/healthz || exit 1
CMD ["node", "dist/server.js"]
"""

FILES[".github/workflows/deploy.yml"] = """\
name: deploy

on:
  push:
    branches: [main]
  pull_request:
    types: [opened, synchronize]

permissions:
  contents: read
  id-token: write

jobs:
  build:
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npm test
      - run: npm run build

  preview:
    if: github.event_name == 'pull_request'
    needs: build
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@v4
      - name: Announce preview
        run: |
          echo "Deploying preview for PR #${{ github.event.pull_request.number }}"
          echo "Branch: ${{ github.head_ref }}"
      - name: Deploy preview
        env:
          PREVIEW_TOKEN: ${{ secrets.PREVIEW_TOKEN }}
        run: |
          ./scripts/deploy-preview.sh "${{ github.event.pull_request.title }}"

  release:
    if: github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-22.04
    steps:
      - uses: actions/checkout@v4
      - name: Push image
        env:
          GH_RELEASE_TOKEN: ghp_Nw0utf1ttersDemoTok3nR7mQ2xL9vK4pZ8s
        run: ./scripts/release.sh
"""

FILES["scripts/notify-deploy.sh"] = """\
#!/usr/bin/env bash
set -euo pipefail

VERSION="${1:?usage: notify-deploy.sh <version>}"
SLACK_WEBHOOK="https://hooks.slack.com/services/T04NWDEMO1/B05FAKEHOOK/nQ7dEmoFakeWebhookToken1"

curl -fsS -X POST -H 'Content-Type: application/json' \\
  --data "{\\"text\\": \\"storefront-web ${VERSION} deployed to production\\"}" \\
  "$SLACK_WEBHOOK"
"""

FILES[".npmrc"] = """\
@northwind:registry=https://npm.northwind.example/
//registry.npmjs.org/:_authToken=npm_Nw0utfDem0T0kenQ7xL2mZ9vK4pR8sB1cW6y
save-exact=true
"""

FILES["docker-compose.yml"] = """\
services:
  storefront:
    build: .
    ports:
      - "8080:8080"
    environment:
      DATABASE_URL: postgres://storefront@db:5432/storefront
      REDIS_URL: redis://cache:6379/0
      SESSION_SECRET: local-only
    depends_on:
      - db
      - cache

  db:
    image: postgres:15.5
    environment:
      POSTGRES_USER: storefront
      POSTGRES_DB: storefront
      POSTGRES_PASSWORD: "Vq7Lx2Rk9Tz4Wm8Np3Hs"
    volumes:
      - pgdata:/var/lib/postgresql/data

  cache:
    image: redis:7.2

volumes:
  pgdata: {}
"""

FILES["test/fixtures/checkout.json"] = """\
{
  "cart": {
    "id": "cart-0042",
    "lines": [{ "sku": "NW-TNT-00231", "quantity": 1, "unitCents": 34900 }]
  },
  "stripe": {
    "apiKey": "sk_test_26PHem9AhJZvU623DfE1x4sdFixtureOnly"
  }
}
"""

FILES["test/e2e/session.spec.ts"] = """\
import { test, expect } from "@playwright/test";

// Captured from a local login of the seeded customer "demo-customer-1042".
const SEEDED_TOKEN =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLWN1c3RvbWVyLTEwNDIiLCJlbWFpbCI6ImRlbW9Abm9ydGh3aW5kLmV4YW1wbGUiLCJ0aWVyIjoic3RhbmRhcmQiLCJpYXQiOjE2OTYxMTg0MDB9.Xq3vN8wLm2Kp5Rt7Yz1Bc4Df6Gh9Jk0Lm3Np5Qr7St2";

test("orders page shows order history", async ({ page, context }) => {
  await context.addCookies([{ name: "nw_token", value: SEEDED_TOKEN, url: "http://localhost:8080" }]);
  await page.goto("/account/orders");
  await expect(page.getByRole("heading", { name: "Your orders" })).toBeVisible();
});
"""

FILES["deploy/certs/storefront-dev.key"] = """\
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAzNwDEMOxFAKExKEYxFORxRAMPARTxDEMOxONLYx7Q2mZ8vL4p
K9sB1cW6yN3hJ5fD0gE7aU2iO8eT4qR7tQ2mZ8vL4pK9sB1cW6yN3hJ5fD0gE7aU
2iO8eT4qNwOutfittersStorefrontDevCertificateKeyMaterialIsFakeAAAB
AoIBAQCqZ3mV8dL2wK5pR9tN1xB7cJ4hF6gS0yE3aU8iO2eT5qM7vL1pK4sB9cW2
yN6hJ3fD8gE0aU5iO7eT1qR4tQ9mZ2vL7pK3sB6cW1yN8hJ0fD5gE2aU9iO4eT7q
R1tQ6mZ3vL0pK8sB2cW5yN4hJ7fD1gE9aU3iO6eT0qR8tQ5mZ1vL9pK2sB4cW7yN
0hJ6fD3gE5aU7iO1eT9qR2tQ8mZ4vL6pK0sB3cW9yN1hJ4fD7gE3aU6iO9eT2qR5
-----END RSA PRIVATE KEY-----
"""

FILES["scripts/sync-assets.sh"] = """\
#!/usr/bin/env bash
# Sync built static assets to the CDN origin bucket.
set -euo pipefail

BUCKET="s3://nw-storefront-assets-prod"
DIST="dist/public"

if [[ ! -d "$DIST" ]]; then
  echo "run npm run build first" >&2
  exit 1
fi

export AWS_ACCESS_KEY_ID="AKIAZNWSTOREFRONT2Q7"
export AWS_DEFAULT_REGION="us-east-1"
aws s3 sync "$DIST" "$BUCKET" --delete --cache-control "public, max-age=31536000, immutable"
"""

FILES["src/routes/giftCards.ts"] = """\
import { Router } from "express";
import path from "path";
import { requireCustomer } from "../middleware/auth";

export const giftCardsRouter = Router();

const CARD_ART_DIR = path.resolve("assets/gift-cards");

giftCardsRouter.get("/", requireCustomer, (_req, res) => {
  res.render("gift-cards", { designs: ["summit", "campfire", "trail"] });
});

giftCardsRouter.get("/balance/:code", requireCustomer, async (req, res) => {
  const code = req.params.code.toUpperCase();
  if (!/^[A-Z0-9]{16}$/.test(code)) {
    res.status(400).json({ error: "invalid code" });
    return;
  }
  res.json({ code, balanceCents: 0 });
});

giftCardsRouter.get("/art/:design", (req, res) => {
  const design = req.params.design;
  res.setHeader("Cache-Control", "public, max-age=86400");
  res.sendFile(path.join(CARD_ART_DIR, design + ".png"));
});
"""


def rescan_files():
    """The repository a little over three weeks later (the rescan)."""
    files = dict(FILES)
    cart = files["src/services/cartService.ts"]
    anchor = "  async setOption("
    files["src/services/cartService.ts"] = cart.replace(anchor, _GIFT_WRAP + anchor, 1)
    pay = files["src/config/payments.ts"]
    anchor = "// Local development falls back"
    files["src/config/payments.ts"] = pay.replace(anchor, _CURRENCIES + anchor, 1)
    # Fixed: the pricing rules no longer use eval, the sitemap script uses execFile, the
    # deploy workflow passes the PR title through an env var, the release token moved to
    # a repository secret, the Slack webhook and SendGrid key moved to the vault.
    files["src/services/pricingService.ts"] = files["src/services/pricingService.ts"].replace(
        '    const matches = eval("(function(ctx){ return " + rule.expression + "; })")(ctx);',
        "    const matches = evaluateRule(rule.expression, ctx);",
    )
    files["scripts/generate-sitemap.ts"] = files["scripts/generate-sitemap.ts"].replace(
        'import { exec } from "child_process";', 'import { execFile } from "child_process";'
    ).replace(
        "  exec(`node dist/tools/sitemap.js --category ${category} --out public/sitemaps`, (err, stdout) => {",
        '  execFile("node", ["dist/tools/sitemap.js", "--category", category, "--out", "public/sitemaps"], (err, stdout) => {',
    )
    files[".github/workflows/deploy.yml"] = files[".github/workflows/deploy.yml"].replace(
        '          ./scripts/deploy-preview.sh "${{ github.event.pull_request.title }}"',
        '          ./scripts/deploy-preview.sh "$PR_TITLE"',
    ).replace(
        "          PREVIEW_TOKEN: ${{ secrets.PREVIEW_TOKEN }}",
        "          PREVIEW_TOKEN: ${{ secrets.PREVIEW_TOKEN }}\n          PR_TITLE: ${{ github.event.pull_request.title }}",
    ).replace(
        "          GH_RELEASE_TOKEN: ghp_Nw0utf1ttersDemoTok3nR7mQ2xL9vK4pZ8s",
        "          GH_RELEASE_TOKEN: ${{ secrets.GH_RELEASE_TOKEN }}",
    )
    files["scripts/notify-deploy.sh"] = files["scripts/notify-deploy.sh"].replace(
        'SLACK_WEBHOOK="https://hooks.slack.com/services/T04NWDEMO1/B05FAKEHOOK/nQ7dEmoFakeWebhookToken1"',
        'SLACK_WEBHOOK="$(vault kv get -field=url secret/storefront/slack-deploy)"',
    )
    files["src/services/mailer.ts"] = files["src/services/mailer.ts"].replace(
        'sgMail.setApiKey(process.env.SENDGRID_API_KEY ?? "SG.nWdEmoFakeKey0nlyDocs0.xR7tQ2mZ8vL4pK9sB1cW6yN3hJ5fD0gE7aU2iO8eT4q");',
        'sgMail.setApiKey(process.env.SENDGRID_API_KEY as string);',
    )
    files["Dockerfile"] = files["Dockerfile"].replace(
        'CMD ["node", "dist/server.js"]', 'USER node\nCMD ["node", "dist/server.js"]'
    )
    return files


RESCAN_ONLY = {"scripts/sync-assets.sh", "src/routes/giftCards.ts"}
