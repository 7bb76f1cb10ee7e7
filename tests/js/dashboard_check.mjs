// Drives pregon's dashboard in headless Chromium for tests/integration/test_dashboard.py.
//
//   node dashboard_check.mjs --url http://127.0.0.1:PORT/ --client-id ID [--topic T --retained R]
//                            [--screenshot FILE] [--user U --password P] [--load-only]
//
// The test and this script take turns over stdin/stdout, one JSON line per step, so that each side
// waits for an event of the other, never for a fixed time:
//   -> {"step":"ready","total_in":N}     page loaded, live, and lists client ID
//   <- published K                      the test published K messages
//   -> {"step":"charts"}                 the message-rate chart and the "messages in" counter moved
//   -> {"step":"views"}                  subscriptions for T name ID; retained topic R is shown
//   -> {"step":"clicked"}                Disconnect clicked and confirmed; ID left the list
// With --load-only it stops after "ready". Any failure is a line on stderr and exit status 1.
import readline from "node:readline";
import { chromium } from "playwright-core";

const TIMEOUT_MS = 15000;

function options(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "load-only") out.loadOnly = true;
    else out[name] = argv[++i];
  }
  return out;
}

const opts = options(process.argv.slice(2));
const say = (step, data = {}) => process.stdout.write(`${JSON.stringify({ step, ...data })}\n`);
const input = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function nextLine() {
  const { value, done } = await input.next();
  if (done) throw new Error("stdin closed");
  return value.trim();
}

function check(condition, what) {
  if (!condition) throw new Error(what);
}

const number = (text) => Number(String(text).replace(/[^0-9.]/g, ""));

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
const pageErrors = [];
try {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 960 },
    httpCredentials: opts.user ? { username: opts.user, password: opts.password } : undefined,
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });

  const response = await page.goto(opts.url);
  check(response.status() === 200, `the dashboard answered ${response.status()}`);
  await page.locator('#status[data-state="live"]').waitFor();
  const row = page.locator(`#clients-table tbody tr[data-client-id=${JSON.stringify(opts["client-id"])}]`);
  await row.waitFor();
  const totalBefore = number(await page.locator("#kpi-total-in").textContent());
  say("ready", { total_in: totalBefore });
  if (!opts.loadOnly) {

    const [word, count] = (await nextLine()).split(" ");
    check(word === "published", `unexpected line: ${word}`);
    // Both the chart's data and the counter must show the new messages.
    await page.waitForFunction(
      ([before, published]) => {
        const chart = document.getElementById("chart-rates");
        const total = Number(document.getElementById("kpi-total-in").textContent.replace(/[^0-9]/g, ""));
        return Number(chart.dataset.inPeak) > 0 && total >= before + published;
      },
      [totalBefore, Number(count)],
      { timeout: TIMEOUT_MS },
    );
    check(Number(await page.locator("#chart-connections").getAttribute("data-connected-last")) >= 1,
          "the connections chart shows no client");
    say("charts");
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });

    if (opts.topic) {
      await page.locator('.tab[data-tab="subscriptions"]').click();
      await page.locator("#subscriptions-topic").fill(opts.topic);
      await page.locator(`#subscriptions-table tbody tr[data-client-id=${JSON.stringify(opts["client-id"])}]`).waitFor();
    }
    if (opts.retained) {
      await page.locator('.tab[data-tab="retained"]').click();
      await page.locator(`#retained-table tbody tr[data-topic=${JSON.stringify(opts.retained)}]`).waitFor();
    }
    say("views");

    await page.locator('.tab[data-tab="clients"]').click();
    await row.locator("button.disconnect").click();
    await page.locator("#confirm-ok").click();
    await row.waitFor({ state: "detached" });
    say("clicked");
  }
  check(pageErrors.length === 0, `errors in the page: ${pageErrors.join("; ")}`);
} catch (e) {
  process.stderr.write(`${e.stack || e}\n${pageErrors.length ? `page errors: ${pageErrors.join("; ")}\n` : ""}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
