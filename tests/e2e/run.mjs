// Browser tests for the built app (dist/, from `trunk build --release`): plain node, driving the
// system's Chromium with playwright-core. Prints one line per check and a final
// `e2e: N passed, M failed` line; exits non-zero on any failure. Screenshots go to
// tests/e2e/artifacts/ (gitignored).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve, launch } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dist = path.join(root, "dist");
const artifacts = path.join(here, "artifacts");
fs.mkdirSync(artifacts, { recursive: true });
if (!fs.existsSync(path.join(dist, "index.html"))) {
  console.error("e2e: dist/ is missing; run `trunk build --release` first");
  process.exit(1);
}

let passed = 0;
let failed = 0;
const failures = [];
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    failures.push(name);
    console.log(`FAIL ${name}: ${String(e && e.message ? e.message : e).split("\n")[0]}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const { server, url } = await serve(dist);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "rp-e2e-"));
const ctx = await launch(chromium, profile);
const page = ctx.pages()[0] || (await ctx.newPage());
page.setDefaultTimeout(10000);
const dialogs = [];
page.on("dialog", (d) => {
  dialogs.push(d.message());
  d.dismiss().catch(() => {});
});
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));

const cmd = page.locator("input.cmd");
const outputs = page.locator(".console .output");
async function run(line) {
  const n = await outputs.count();
  await cmd.fill(line);
  await cmd.press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll(".console .output").length > n, n);
  return (await outputs.last().textContent()).replace(/\n$/, "");
}
async function ready() {
  await page.locator(".prompt-line .prompt").waitFor({ state: "visible" });
}
const keyRow = (name) => page.locator(".key-row").filter({ has: page.locator(".key-name").getByText(name, { exact: true }) });

const timer = setTimeout(() => {
  console.log("e2e: timed out");
  console.log(`e2e: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 180000);

try {
  await page.goto(url);
  await ready();

  await check("prompt shows 127.0.0.1:6379>", async () => {
    const p = await page.locator(".prompt-line .prompt").textContent();
    assert(p.trim() === "127.0.0.1:6379>", `prompt was ${JSON.stringify(p)}`);
  });

  await check("SET a 1 / GET a", async () => {
    assert((await run("SET a 1")) === "OK", "SET reply");
    assert((await run("GET a")) === '"1"', "GET reply");
  });

  await check("errors are styled", async () => {
    const r = await run("INCR");
    assert(r === "(error) ERR wrong number of arguments for 'incr' command", r);
    assert(await outputs.last().evaluate((el) => el.classList.contains("error")), "no error class");
  });

  let listsLanded = false;
  await check("LPUSH l x y (list visualizer only if lists exist)", async () => {
    const r = await run("LPUSH l x y");
    if (r === "(integer) 2") {
      listsLanded = true;
      await keyRow("l").first().click();
      await page.locator(".viz-list .box.enter").nth(1).waitFor();
      const vals = await page.locator(".viz-list .box .val").allTextContents();
      assert(vals.join(",") === "y,x", `boxes ${vals}`);
      await run("RPUSH l z");
      await page.waitForFunction(() => document.querySelectorAll(".viz-list .box.enter").length === 3);
      await page.waitForTimeout(500); // let the push animation finish
      await page.screenshot({ path: path.join(artifacts, "viz-list.png") });
    } else {
      assert(r.startsWith("(error) ERR unknown command 'LPUSH'"), r);
      console.log("     (lists are not in the engine yet: LPUSH errors, list visualizer not asserted)");
    }
  });

  await check("hash, set and sorted set visualizers (when the engine has them)", async () => {
    const cases = [
      ["HSET h name ada lang rust", "(integer) 2", "h", async () => (await page.locator(".viz-table td").allTextContents()).join(",") === "name,ada,lang,rust"],
      ["SADD s b a", "(integer) 2", "s", async () => (await page.locator(".viz-set .chip").allTextContents()).join(",") === "a,b"],
      ["ZADD z 2 two 1 one", "(integer) 2", "z", async () => (await page.locator(".viz-table td").allTextContents()).join(",") === "one,1,two,2"],
      ["XADD st 1-1 temp 20 unit C", '"1-1"', "st", async () => (await page.locator(".viz-table td").allTextContents()).join(",") === "1-1,temp=20  unit=C"],
    ];
    for (const [line, ok, key, test] of cases) {
      const r = await run(line);
      if (r !== ok) {
        console.log(`     (${line.split(" ")[0]} gave ${r}: not asserted)`);
        continue;
      }
      await keyRow(key).first().click();
      let good = false;
      for (let i = 0; i < 30 && !good; i++) {
        good = await test();
        if (!good) await page.waitForTimeout(100);
      }
      assert(good, `${key} visualizer`);
      if (key === "z") await page.screenshot({ path: path.join(artifacts, "viz-zset.png") });
      await run(`DEL ${key}`);
    }
  });

  await check("syntax hint after the command name", async () => {
    await cmd.fill("SET ");
    const h = await page.locator(".syntax-hint").textContent();
    assert(h.startsWith("key value [NX | XX]"), `hint ${JSON.stringify(h)}`);
    await cmd.fill("SET k ");
    const h2 = await page.locator(".syntax-hint").textContent();
    assert(h2.startsWith("value "), `hint ${JSON.stringify(h2)}`);
    await cmd.fill("");
  });

  await check("Tab completes command names", async () => {
    await cmd.fill("GETR");
    await cmd.press("Tab");
    assert((await cmd.inputValue()) === "GETRANGE", await cmd.inputValue());
    await cmd.fill("");
  });

  await check("HELP SET and HELP @string", async () => {
    const r = await run("HELP SET");
    assert(r.includes("\n  SET key value") && r.includes("  summary: ") && r.includes("  since: 1.0.0") && r.includes("  group: string"), r);
    const g = await run("help @string");
    assert(g.includes("  APPEND key value") && !g.includes("group:"), "group help");
  });

  await check("history with the up arrow", async () => {
    await cmd.fill("");
    await cmd.press("ArrowUp");
    assert((await cmd.inputValue()) === "help @string", await cmd.inputValue());
    await cmd.press("ArrowUp");
    assert((await cmd.inputValue()) === "HELP SET", await cmd.inputValue());
    await cmd.press("ArrowDown");
    await cmd.press("ArrowDown");
    assert((await cmd.inputValue()) === "", "draft restored");
  });

  await check("large replies are paged with a show-more button", async () => {
    const args = [];
    for (let i = 0; i < 700; i++) args.push(`big:${i} v`);
    assert((await run(`MSET ${args.join(" ")}`)) === "OK", "MSET");
    await run("KEYS big:*");
    const more = page.locator(".show-more").last();
    await more.waitFor();
    const shown = (await outputs.last().textContent()).split("\n").filter(Boolean).length;
    assert(shown === 500, `shown ${shown}`);
    await more.click();
    await page.waitForFunction(() => !document.querySelector(".console .long-reply .show-more"));
    assert((await run("DEL " + args.map((a) => a.split(" ")[0]).join(" "))) === "(integer) 700", "DEL");
  });

  await check("XSS key name renders literally", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    assert((await run(`SET "${evil}" "<b>bold</b>"`)) === "OK", "SET");
    await keyRow(evil).first().waitFor();
    const names = await page.locator(".key-name").allTextContents();
    assert(names.includes(evil), `names ${names}`);
    assert((await page.locator("img").count()) === 0, "an <img> element exists");
    await keyRow(evil).first().click();
    const text = await page.locator(".viz .str-text").textContent();
    assert(text === "<b>bold</b>", text);
    assert((await page.locator("b").count()) === 0, "a <b> element exists");
    assert(dialogs.length === 0, "a dialog opened");
  });

  await check("string visualizer: text, bytes, bits", async () => {
    await keyRow("a").first().click();
    await page.locator(".viz .badge.t-string").waitFor();
    await page.locator(".viz .seg", { hasText: "bytes" }).click();
    const hex = await page.locator(".hex-row .hex").first().textContent();
    assert(hex === "31", hex);
    await page.locator(".viz .seg", { hasText: "bits" }).click();
    const bits = await page.locator(".bits-view .bit").allTextContents();
    assert(bits.join("") === "00110001", bits.join(""));
    await run("APPEND a 23");
    await page.waitForFunction(() => document.querySelectorAll(".bits-view .bit").length === 24);
    await page.screenshot({ path: path.join(artifacts, "viz-string-bits.png") });
  });

  await check("key browser: TTL counts down, glob filter", async () => {
    await run("SET temp v EX 100");
    const ttl = keyRow("temp").locator(".ttl");
    const t1 = await ttl.textContent();
    assert(t1 === "1m 40s" || t1 === "1m 39s", t1);
    await page.waitForTimeout(1100);
    const t2 = await ttl.textContent();
    assert(t2 !== t1, `ttl did not move: ${t1} ${t2}`);
    await page.fill("input.filter", "te?p");
    const names = await page.locator(".key-row .key-name").allTextContents();
    assert(names.length === 1 && names[0] === "temp", `filtered ${names}`);
    await page.fill("input.filter", "");
  });

  await check("a second client tab has its own db and history", async () => {
    await page.locator(".tab-add").click();
    await page.locator(".tab.active", { hasText: "client 2" }).waitFor();
    assert((await run("SELECT 3")) === "OK", "SELECT");
    const p = await page.locator(".prompt-line .prompt").textContent();
    assert(p.trim() === "127.0.0.1:6379[3]>", p);
    assert((await run("GET a")) === "(nil)", "db 3 is empty");
    await page.locator(".key-browser, .keys h2", { hasText: "db 3" }).first().waitFor();
    await cmd.fill("");
    await cmd.press("ArrowUp");
    assert((await cmd.inputValue()) === "GET a", "own history");
    await page.locator(".tab-label", { hasText: "client 1" }).click();
    const p1 = await page.locator(".prompt-line .prompt").textContent();
    assert(p1.trim() === "127.0.0.1:6379>", p1);
    const list = await run("CLIENT LIST");
    assert(list.split("id=").length - 1 === 2, `two clients listed: ${list}`);
    await page.screenshot({ path: path.join(artifacts, "desktop-light.png") });
  });

  await check("a blocked client waits and gets the pushed reply", async () => {
    const r = await run("LPUSH probe 1");
    if (!r.startsWith("(integer)")) {
      console.log("     (lists are not in the engine yet: blocking not asserted)");
      return;
    }
    await run("DEL probe");
    await page.locator(".tab-label", { hasText: "client 2" }).click();
    assert((await run("SELECT 0")) === "OK", "SELECT 0");
    await cmd.fill("BLPOP jobs 0");
    await cmd.press("Enter");
    await page.locator(".console .waiting").waitFor();
    assert(await cmd.isDisabled(), "input not disabled while blocked");
    await page.locator(".tab.active .tab-flag").waitFor();
    await page.screenshot({ path: path.join(artifacts, "blocked.png") });
    await page.locator(".tab-label", { hasText: "client 1" }).click();
    assert((await run("RPUSH jobs hello")) === "(integer) 1", "RPUSH");
    await page.locator(".tab", { hasText: "client 2" }).locator(".tab-dot").waitFor();
    await page.locator(".tab-label", { hasText: "client 2" }).click();
    await page.waitForFunction(() => !document.querySelector(".console .waiting"));
    const out = (await outputs.last().textContent()).replace(/\n$/, "");
    assert(out === '1) "jobs"\n2) "hello"', JSON.stringify(out));
    assert(!(await cmd.isDisabled()), "input still disabled");
    // Ctrl+C on a blocked pane interrupts it, like redis-cli.
    await cmd.fill("BLPOP nothing 0");
    await cmd.press("Enter");
    await page.locator(".console .waiting").waitFor();
    await page.keyboard.press("Control+c");
    await page.waitForFunction(() => !document.querySelector(".console .waiting"));
    assert(!(await cmd.isDisabled()), "input still disabled after Ctrl+C");
    await page.locator(".tab-label", { hasText: "client 1" }).click();
  });

  await check("side-by-side panes: each runs in its own client", async () => {
    await page.locator(".split-toggle").click();
    await page.locator(".consoles.split .console").nth(1).waitFor();
    assert((await page.locator(".consoles.split .console").count()) === 2, "two panes");
    const pane2 = page.locator(".consoles.split .console").nth(1);
    const input2 = pane2.locator("input.cmd");
    await input2.fill("BLPOP side 0");
    await input2.press("Enter");
    await pane2.locator(".waiting").waitFor();
    const pane1 = page.locator(".consoles.split .console").nth(0);
    const input1 = pane1.locator("input.cmd");
    await input1.click();
    await input1.fill("RPUSH side v");
    await input1.press("Enter");
    await page.waitForFunction(() => !document.querySelector(".consoles.split .waiting"));
    const out2 = await pane2.locator(".output").last().textContent();
    assert(out2 === '1) "side"\n2) "v"\n', JSON.stringify(out2));
    const out1 = await pane1.locator(".output").last().textContent();
    assert(out1 === "(integer) 1\n", JSON.stringify(out1));
    await page.screenshot({ path: path.join(artifacts, "split.png") });
    await page.locator(".split-toggle").click();
    await page.locator(".consoles.split").waitFor({ state: "detached" });
  });

  await check("Lua: scripts run, deep nesting is an error, never a crash", async () => {
    assert((await run(`EVAL "return redis.call('SET', KEYS[1], ARGV[1])" 1 lua:k v`)) === "OK", "EVAL SET");
    // 190 nested Lua calls (under Lua 5.1's C-call limit of 200) work in the optimised bundle...
    const deep = await run(`EVAL "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(190)" 0`);
    assert(deep === "(integer) 190", deep);
    // ...and runaway recursion, deep parser nesting and deep JSON are Lua errors.
    const runaway = await run(`EVAL "local function f(n) return 1 + f(n + 1) end return f(1)" 0`);
    assert(runaway.startsWith("(error) ") && runaway.includes("stack overflow"), runaway);
    const nested = await run(`EVAL "return ${"(".repeat(300)}1${")".repeat(300)}" 0`);
    assert(nested.startsWith("(error) "), nested);
    const json = await run(`EVAL "return cjson.encode(cjson.decode(ARGV[1]))" 0 ${"[".repeat(1200)}${"]".repeat(1200)}`);
    assert(json.startsWith("(error) ") || json.startsWith('"['), json);
    assert((await run("GET lua:k")) === '"v"', "engine still answers");
  });

  await check("a runaway script never freezes the page: BUSY, then SCRIPT KILL from another client", async () => {
    await page.locator(".split-toggle").click();
    await page.locator(".consoles.split .console").nth(1).waitFor();
    const pane1 = page.locator(".consoles.split .console").nth(0);
    const pane2 = page.locator(".consoles.split .console").nth(1);
    async function runIn(pane, line) {
      const outs = pane.locator(".output");
      const n = await outs.count();
      const input = pane.locator("input.cmd");
      await input.click();
      await input.fill(line);
      await input.press("Enter");
      for (let i = 0; i < 100 && (await outs.count()) <= n; i++) await page.waitForTimeout(50);
      return (await outs.last().textContent()).replace(/\n$/, "");
    }
    assert((await runIn(pane1, "CONFIG SET busy-reply-threshold 300")) === "OK", "threshold");
    const input2 = pane2.locator("input.cmd");
    await input2.click();
    await input2.fill(`EVAL "local i = 0 while true do i = i + 1 end" 0`);
    await input2.press("Enter");
    await pane2.locator(".waiting").waitFor();
    // The page keeps painting while the script runs (it advances in slices between frames).
    const frame = await page.evaluate(
      () => new Promise((resolve) => { const t = performance.now(); requestAnimationFrame(() => resolve(performance.now() - t)); }),
    );
    assert(frame < 1000, `a frame took ${frame} ms`);
    await page.waitForTimeout(400);
    const busy = await runIn(pane1, "PING");
    assert(busy.startsWith("(error) BUSY Redis is busy running a script."), busy);
    assert((await runIn(pane1, "SCRIPT KILL")) === "OK", "SCRIPT KILL");
    await pane2.locator(".waiting").waitFor({ state: "detached" });
    const killed = (await pane2.locator(".output").last().textContent()).replace(/\n$/, "");
    assert(killed.startsWith("(error) ERR Script killed by user with SCRIPT KILL"), killed);
    assert((await runIn(pane1, "PING")) === "PONG", "PONG after the kill");
    await page.screenshot({ path: path.join(artifacts, "script-kill.png") });
    assert((await runIn(pane1, "CONFIG SET busy-reply-threshold 5000")) === "OK", "threshold back");
    await page.locator(".split-toggle").click();
    await page.locator(".consoles.split").waitFor({ state: "detached" });
  });

  await check("Ctrl+L clears the console", async () => {
    await cmd.press("Control+l");
    assert((await page.locator(".console .line:not(.prompt-line)").count()) === 0, "not cleared");
  });

  await check("named snapshot survives a reload and restores", async () => {
    await page.fill("input.snap-input", "lesson-1");
    await page.locator(".snap-form button").click();
    await page.locator(".notice", { hasText: 'Saved "lesson-1"' }).waitFor();
    assert((await run("FLUSHALL")) === "OK", "FLUSHALL");
    await page.waitForFunction(() => document.querySelectorAll(".key-row").length === 0);
    await page.waitForTimeout(700); // autosave debounce
    await page.reload();
    await ready();
    await page.locator(".snap-name", { hasText: "lesson-1" }).waitFor();
    assert((await page.locator(".key-row").count()) === 0, "autosave kept the flush");
    await page.locator(".snap", { hasText: "lesson-1" }).locator("button", { hasText: "restore" }).click();
    await page.locator(".notice", { hasText: 'Restored "lesson-1"' }).waitFor();
    await keyRow("temp").first().waitFor();
    assert((await run("GET a")) === '"123"', "restored value");
  });

  await check("autosave restores data and history after a reload", async () => {
    await run("SET after reload");
    await page.waitForTimeout(700);
    await page.reload();
    await ready();
    await keyRow("after").first().waitFor();
    await cmd.press("ArrowUp");
    assert((await cmd.inputValue()) === "SET after reload", await cmd.inputValue());
    assert((await page.locator(".tab").count()) === 2, "two client tabs restored");
    await cmd.fill("");
  });

  await check("a corrupt snapshot is refused and changes nothing", async () => {
    await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("redis-playground", 1);
          open.onsuccess = () => {
            const tx = open.result.transaction("snapshots", "readwrite");
            tx.objectStore("snapshots").put({ name: "broken", bytes: new Uint8Array([82, 80, 71, 83, 78, 65, 80, 1, 0, 9]), saved: Date.now(), keys: 1 }, "broken");
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    await page.reload();
    await ready();
    await page.locator(".snap", { hasText: "broken" }).locator("button", { hasText: "restore" }).click();
    const n = page.locator(".notice.error");
    await n.waitFor();
    const text = await n.textContent();
    assert(text.includes('Could not restore "broken"') && text.includes("Nothing was changed"), text);
    assert((await run("GET after")) === '"reload"', "data kept");
    await page.screenshot({ path: path.join(artifacts, "snapshot-error.png") });
  });

  await check("snapshot file: download, import, corrupt file refused", async () => {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.locator("button", { hasText: "download file" }).click()]);
    const file = path.join(profile, "dump.rpsnap");
    await dl.saveAs(file);
    assert((await run("FLUSHALL")) === "OK", "FLUSHALL");
    await page.waitForFunction(() => document.querySelectorAll(".key-row").length === 0);
    await page.locator("input.snap-file").setInputFiles(file);
    await page.locator(".notice", { hasText: 'Restored "dump.rpsnap"' }).waitFor();
    assert((await run("GET after")) === '"reload"', "restored from file");
    const bad = path.join(profile, "bad.rpsnap");
    fs.writeFileSync(bad, "this is not a snapshot");
    await page.locator("input.snap-file").setInputFiles(bad);
    const text = await page.locator(".notice.error").textContent();
    assert(text.includes('Could not restore "bad.rpsnap"') && text.includes("not a Redis Playground snapshot"), text);
    assert((await run("GET after")) === '"reload"', "data kept after a bad file");
  });

  await check("lesson panel: runnable blocks, challenge, quiz, progress saved", async () => {
    const title = (await page.locator(".lesson h2").textContent()) || "";
    if (!title.startsWith("Lesson:")) {
      assert((await page.locator(".lesson .run-block").count()) > 0, "placeholder blocks");
      console.log("     (the lesson model is not merged yet: placeholder panel only)");
      return;
    }
    await page.locator(".lesson .section summary").first().click();
    const block = page.locator(".lesson .section .run-block").first();
    const command = await block.textContent();
    const n = await outputs.count();
    await block.click();
    await page.waitForFunction((n) => document.querySelectorAll(".console .output").length > n, n);
    const typed = await page.locator(".console .line.input").last().textContent();
    assert(typed.endsWith(command), `ran ${typed}`);
    const first = page.locator(".challenge").first();
    const setup = first.locator("button", { hasText: "set up" });
    if (await setup.count()) await setup.click();
    await first.locator(".goals li").first().waitFor();
    assert((await page.locator(".challenge.done").count()) === 0, "challenge done before solving");
    await first.locator("button", { hasText: "show solution" }).click();
    const sol = first.locator(".blocks .run-block");
    for (let i = 0; i < (await sol.count()); i++) await sol.nth(i).click();
    await page.locator(".challenge.done").waitFor();
    const q = page.locator(".quiz .question").first();
    await q.locator(".choice").nth(1).click();
    await q.locator(".verdict").waitFor();
    await page.waitForTimeout(300);
    // The side column scrolls on its own, so an element screenshot of the whole (taller)
    // lesson would be mostly blank: show the page with the solved challenge in view instead.
    await page.locator(".challenge.done").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "lesson.png") });
    // Goal checks run as no client: the console's CLIENT LIST shows just the open tabs.
    const clients = await run("CLIENT LIST");
    assert(clients.split("id=").length - 1 === (await page.locator(".tab").count()), clients);
    // Progress lives in IndexedDB beside the autosave, not in localStorage.
    const saved = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("redis-playground", 1);
          open.onsuccess = () => {
            const req = open.result.transaction("kv").objectStore("kv").get("progress");
            req.onsuccess = () => resolve(req.result || "");
            req.onerror = () => reject(req.error);
          };
          open.onerror = () => reject(open.error);
        }),
    );
    assert(saved.includes("challenges_completed"), `progress in IndexedDB: ${saved}`);
    assert((await page.evaluate(() => localStorage.getItem("redis-playground-lesson-progress"))) === null, "no progress in localStorage");
    await page.reload();
    await ready();
    await page.locator(".quiz .question .verdict").first().waitFor();
    await page.locator(".challenge.done").waitFor();
  });

  await check("prefers-color-scheme picks the theme until the toggle is used", async () => {
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "dark" });
    assert((await bg()) === "rgb(15, 17, 21)", "dark system theme");
    await page.emulateMedia({ colorScheme: "light" });
    assert((await bg()) === "rgb(247, 247, 245)", "light system theme");
  });

  await check("dark theme toggle", async () => {
    await page.locator(".theme-toggle").click();
    const t = await page.evaluate(() => document.documentElement.dataset.theme);
    assert(t === "dark", t);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert(bg === "rgb(15, 17, 21)", bg);
    await page.screenshot({ path: path.join(artifacts, "desktop-dark.png") });
  });

  await check("narrow screen: one column", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const cols = await page.evaluate(() => getComputedStyle(document.querySelector(".layout")).gridTemplateColumns.split(" ").length);
    assert(cols === 1, `columns ${cols}`);
    await page.screenshot({ path: path.join(artifacts, "narrow.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await check("no page errors", async () => {
    assert(pageErrors.length === 0, pageErrors.join("; "));
  });
} finally {
  clearTimeout(timer);
  await ctx.close().catch(() => {});
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
