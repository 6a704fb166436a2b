// Browser test of the Rampart dashboard in headless Chromium (playwright-core, no bundled
// browser: the system's `chromium`). Run by crates/rampart-cli/tests/browser.rs against a
// `rampart serve` on a fresh database with the demo portfolio:
//   RAMPART_URL, RAMPART_USER, RAMPART_PASSWORD, RAMPART_CHROMIUM, RAMPART_SCREENSHOTS
// Logs in, opens the overview (charts drawn), an issue, triages it, filters the issue list
// (htmx swap), opens an application, the SLA and compliance pages and a search; saves a
// screenshot of each page; fails on any browser console error (a Content-Security-Policy
// violation is one).
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");

const base = process.env.RAMPART_URL;
const shots = process.env.RAMPART_SCREENSHOTS;
const results = [];

async function step(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push([name, e]);
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    throw e;
  }
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.RAMPART_CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const problems = [];
  // The login refusal (401) and the refused triage (422) are expected answers, not problems.
  const expected = /Failed to load resource: the server responded with a status of (401|422)/;
  page.on("console", (m) => {
    if (m.type() === "error" && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const shot = async (name) => {
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
    await page.screenshot({ path: path.join(shots, `${name}-full.png`), fullPage: true });
  };
  let failed = false;
  try {
    await step("a visitor is sent to the login form", async () => {
      await page.goto(base + "/");
      expect(new URL(page.url()).pathname === "/login", `at ${page.url()}`);
      await shot("login");
    });
    await step("a wrong password is refused", async () => {
      await page.fill("input[name=username]", process.env.RAMPART_USER);
      await page.fill("input[name=password]", "not the password");
      await page.click("button[type=submit]");
      await page.waitForSelector(".flash.err");
    });
    await step("log in and see the overview", async () => {
      await page.fill("input[name=username]", process.env.RAMPART_USER);
      await page.fill("input[name=password]", process.env.RAMPART_PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      expect(new URL(page.url()).pathname === "/", `at ${page.url()}`);
      expect((await page.textContent("h1")).includes("Portfolio overview"), "overview heading");
      const open = Number((await page.textContent(".kpi.total .value")).trim());
      expect(open > 0, `open issues ${open}`);
      // Every chart is drawn by Chart.js (scripts ran under the CSP).
      await page.waitForFunction(() => [...document.querySelectorAll("canvas[data-chart]")].every((c) => window.Chart && Chart.getChart(c)));
      const charts = await page.$$eval("canvas[data-chart]", (cs) => cs.length);
      expect(charts === 3, `${charts} charts`);
      const rows = await page.$$eval("#issue-table tbody tr", (r) => r.length);
      expect(rows > 0, "top risks listed");
      await shot("overview");
    });
    let issueUrl;
    await step("open the top issue", async () => {
      await Promise.all([page.waitForNavigation(), page.click("#issue-table tbody tr:first-child td.title a")]);
      issueUrl = page.url();
      expect(/\/issues\/\d+$/.test(new URL(issueUrl).pathname), issueUrl);
      const score = Number((await page.textContent(".score .big")).trim());
      expect(score > 0, `risk ${score}`);
      const factors = await page.$$eval("table.factors tbody tr", (r) => r.length);
      expect(factors > 0, "risk factors explained");
      const obs = await page.$$eval("tr.why", (r) => r.length);
      expect(obs > 0, "observations listed");
      await shot("issue");
    });
    await step("triage it as a false positive", async () => {
      await page.selectOption("select[name=status]", "false_positive");
      await page.fill("textarea[name=reason]", "Test fixture code, never deployed (browser test)");
      await Promise.all([page.waitForNavigation(), page.click(".triage-form button[type=submit]")]);
      expect((await page.textContent(".flash.ok")).includes("Decision recorded"), "flash");
      expect((await page.textContent(".page-head .status")).trim() === "false positive", "status shown");
      expect((await page.textContent("#triage")).includes("browser test"), "decision listed");
      await shot("issue-triaged");
    });
    await step("a risk acceptance without approver is refused with a reason", async () => {
      await page.selectOption("select[name=status]", "risk_accepted");
      await page.fill("textarea[name=reason]", "no approver given");
      await Promise.all([page.waitForNavigation(), page.click(".triage-form button[type=submit]")]);
      expect((await page.textContent(".flash.err")).includes("Not recorded"), "refusal shown");
    });
    await step("filter the issue list (htmx swaps the table)", async () => {
      await page.goto(base + "/issues");
      const before = await page.$$eval("#issue-table tbody tr", (r) => r.length);
      await Promise.all([
        page.waitForResponse((r) => r.url().includes("severity=critical") && r.request().headers()["hx-request"] === "true"),
        page.selectOption("select[name=severity]", "critical"),
      ]);
      await page.waitForFunction(() => [...document.querySelectorAll("#issue-table .sev")].every((s) => s.textContent.trim() === "critical"));
      const after = await page.$$eval("#issue-table tbody tr", (r) => r.length);
      expect(after > 0 && after <= before, `rows ${before} → ${after}`);
      expect(page.url().includes("severity=critical"), "URL follows the filter");
      await shot("issues");
    });
    await step("open an application", async () => {
      await page.goto(base + "/apps");
      await shot("apps");
      await Promise.all([page.waitForNavigation(), page.click("tbody tr:first-child a")]);
      expect(new URL(page.url()).pathname.startsWith("/apps/"), page.url());
      const covered = await page.$$eval(".cov.on", (c) => c.length);
      expect(covered > 0, "scan coverage shown");
      await shot("application");
    });
    await step("see the remediation SLAs", async () => {
      await page.goto(base + "/sla");
      expect((await page.textContent("h1")).includes("Remediation SLAs"), "SLA heading");
      const kpis = await page.$$eval(".kpi .value", (v) => v.map((x) => Number(x.textContent.trim())));
      expect(kpis.length === 4 && kpis.every((n) => Number.isInteger(n)), `SLA counts ${kpis}`);
      expect(kpis.reduce((a, b) => a + b, 0) > 0, "issues with an SLA");
      const teams = await page.$$eval(".stack section:first-child tbody tr", (r) => r.length);
      expect(teams > 0, "SLA by team");
      await shot("sla");
    });
    await step("see compliance by framework", async () => {
      await page.goto(base + "/compliance");
      expect((await page.textContent("h1")).includes("OWASP Top 10"), "default framework");
      const cells = await page.$$eval("table.matrix .verdict", (c) => c.length);
      expect(cells > 0, "control verdicts");
      await Promise.all([page.waitForNavigation(), page.click(".tabs a:has-text('PCI DSS')")]);
      expect(page.url().includes("framework=pci-dss"), page.url());
      expect((await page.textContent("h1")).includes("PCI DSS"), "PCI DSS heading");
      const apps = await page.$$eval("table.matrix tbody tr", (r) => r.length);
      expect(apps > 0, "applications judged");
      await shot("compliance");
    });
    await step("search a component and a vulnerability", async () => {
      await page.goto(base + "/search?q=lodash");
      await shot("search-component");
      const cve = process.env.RAMPART_SEARCH_CVE;
      if (cve) {
        await page.goto(base + "/search?q=" + encodeURIComponent(cve));
        const rows = await page.$$eval("#issue-table tbody tr", (r) => r.length);
        expect(rows > 0, `issues naming ${cve}`);
        await shot("search-vulnerability");
      }
    });
    await step("log out", async () => {
      await Promise.all([page.waitForNavigation(), page.click(".user button")]);
      expect(new URL(page.url()).pathname === "/login", page.url());
      await page.goto(base + "/issues");
      expect(new URL(page.url()).pathname === "/login", "session ended");
    });
    await step("no console errors or CSP violations", async () => {
      expect(problems.length === 0, problems.join("\n"));
    });
  } catch (e) {
    failed = true;
    try { await shot("failure"); } catch (_) { /* the page may be gone */ }
  } finally {
    await browser.close();
  }
  const bad = results.filter((r) => r[1]).length;
  console.log(`${results.length - bad} passed, ${bad} failed`);
  process.exit(failed || bad ? 1 : 0);
})();
