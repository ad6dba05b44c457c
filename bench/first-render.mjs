// Time to first render of the built app (dist/) on localhost: from navigation start to the
// console prompt being visible, measured in the page (a MutationObserver installed before any
// script runs). Prints one line per run and the median. Used by bench/bundle.sh.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve, launch } from "../tests/e2e/serve.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.env.RUNS || 5);
const { server, url } = await serve(path.join(root, "dist"));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "rp-bench-"));
const ctx = await launch(chromium, profile);
const times = [];
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  await page.addInitScript(() => {
    const seen = () => {
      const p = document.querySelector(".prompt-line .prompt");
      if (p && p.offsetParent !== null && window.__firstRender === undefined) window.__firstRender = performance.now();
    };
    new MutationObserver(seen).observe(document, { childList: true, subtree: true });
  });
  for (let i = 0; i < runs; i++) {
    await page.goto(url);
    await page.waitForFunction(() => window.__firstRender !== undefined, null, { timeout: 20000 });
    const t = await page.evaluate(() => window.__firstRender);
    times.push(t);
    console.log(`run ${i + 1}: ${t.toFixed(0)} ms`);
  }
} finally {
  await ctx.close().catch(() => {});
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
console.log(`first render (navigation start to prompt visible), median of ${runs}: ${times[Math.floor(times.length / 2)].toFixed(0)} ms`);
