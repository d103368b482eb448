// tests/browser/chat.js SCENARIO CONFIG_JSON: drives the web client in
// Debian's chromium (playwright-core, never a downloaded browser) through
// one scenario and prints, one JSON object a line, what a user sees:
// {"check": name, "got": ...} for the test to compare, {"ask": step} when
// the test must act (it answers with one line on stdin), and {"done": true}
// at the end. Every wait has a deadline; none is a fixed sleep.
//
// CONFIG: {base, conversationId, joinCode, artifacts, integrator?}
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { chromium } = require("playwright-core");

const [scenario, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
const DEADLINE_MS = 20000;
const answers = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 720 } };

function report(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function check(name, got) {
  report({ check: name, got });
}

async function ask(step) {
  report({ ask: step });
  const line = await answers.next();
  if (line.done || line.value.trim() !== "ok") {
    throw new Error("the test did not do " + step + ": " + line.value);
  }
}

// A second participant through the API alone (Node's fetch: no Origin).
async function apiUser(name) {
  const r = await fetch(cfg.base + "/api/v1/join", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ conversationId: cfg.conversationId, joinCode: cfg.joinCode,
      displayName: name }),
  });
  const doc = await r.json();
  if (r.status !== 201) {
    throw new Error("join " + name + ": " + r.status + " " + JSON.stringify(doc));
  }
  const sid = doc.data.session.sessionId;
  const call = async (p, body) => {
    const res = await fetch(cfg.base + p, { method: "POST",
      headers: { "Content-Type": "application/json", "x-session-id": sid },
      body: JSON.stringify(body) });
    if (!res.ok) {
      throw new Error(p + ": " + res.status + " " + (await res.text()));
    }
  };
  return {
    say: (body) => call("/api/v1/messages", { body }),
    typing: (on) => call("/api/v1/signaling", { type: "typing", data: { typing: on } }),
    upload: async (name, bytes) => {
      const form = new FormData();
      form.append("file", new Blob([bytes]), name);
      const res = await fetch(cfg.base + "/api/v1/attachments", { method: "POST",
        headers: { "x-session-id": sid }, body: form });
      if (res.status !== 201) {
        throw new Error("upload " + name + ": " + res.status + " " + (await res.text()));
      }
    },
  };
}

async function newPage(browser, size) {
  const context = await browser.newContext({ viewport: SIZES[size || "desktop"] });
  return context.newPage();
}

function room(page) {
  return page.mainFrame();
}

async function live(frame) {
  await frame.waitForSelector('#conn[data-state="live"]', { timeout: DEADLINE_MS });
}

// the text of selector once it has some
async function shown(page, selector) {
  const h = await page.waitForFunction((s) => document.querySelector(s).textContent || null,
    selector, { timeout: DEADLINE_MS });
  return h.jsonValue();
}

// state: the connection state the room shows once in (polling without a relay)
async function joinThroughTheForm(page, name, entering = true, state = "live") {
  await page.goto(cfg.base + "/join?conversationId=" + encodeURIComponent(cfg.conversationId) +
    "&code=" + encodeURIComponent(cfg.joinCode));
  await page.fill("#displayName", name);
  await page.press("#displayName", "Enter");
  if (!entering) {
    return;
  }
  await page.waitForURL(cfg.base + "/room/" + cfg.conversationId, { timeout: DEADLINE_MS });
  await room(page).waitForSelector('#conn[data-state="' + state + '"]', { timeout: DEADLINE_MS });
}

// waits for the message whose body is text; returns what the user sees of it
async function message(frame, text) {
  const handle = await frame.waitForFunction((t) => {
    const li = Array.from(document.querySelectorAll("#messages li.msg"))
      .find((e) => e.querySelector(".body").textContent === t);
    if (!li || !li.dataset.messageId) {
      return null;
    }
    const sender = li.querySelector(".sender");
    return {
      sender: sender ? sender.textContent : null,
      own: li.classList.contains("msg-own"),
      system: li.classList.contains("msg-system"),
      pending: li.classList.contains("msg-pending"),
      time: li.querySelector("time").getAttribute("datetime") !== null,
      links: Array.from(li.querySelectorAll(".body a")).map((a) => ({ href: a.href, rel: a.rel,
        text: a.textContent })),
      afterDivider: !!(li.previousElementSibling &&
        li.previousElementSibling.classList.contains("unread-divider")),
    };
  }, text, { timeout: DEADLINE_MS });
  return handle.jsonValue();
}

async function typingShown(frame, text) {
  await frame.waitForFunction((t) => document.getElementById("typing").textContent === t, text,
    { timeout: DEADLINE_MS });
  return text;
}

async function send(frame, text) {
  await frame.click("#message-input");
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) {
      await frame.press("#message-input", "Shift+Enter");
    }
    await frame.type("#message-input", lines[i]);
  }
  await frame.press("#message-input", "Enter");
}

// the page as if its tab were hidden (or shown again): what visibilitychange tells
async function setHidden(frame, hidden) {
  await frame.evaluate((h) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
    Object.defineProperty(document, "visibilityState", { configurable: true,
      get: () => (h ? "hidden" : "visible") });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

async function shoot(page, name, scheme, size) {
  await page.emulateMedia({ colorScheme: scheme });
  await page.setViewportSize(SIZES[size]);
  fs.mkdirSync(cfg.artifacts, { recursive: true });
  await page.screenshot({ path: path.join(cfg.artifacts, `${name}-${scheme}-${size}.png`) });
}

async function screenshots(page, name) {
  for (const scheme of ["light", "dark"]) {
    for (const size of ["desktop", "phone"]) {
      await shoot(page, name, scheme, size);
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize(SIZES.desktop);
}

const XSS_NAME = "Mal<img src=x onerror=window.__xss=1>";
const XSS_BODY = '<script>window.__xss=2</script><img src=x onerror="window.__xss=3"> ' +
  "see https://example.com/a?b=1. not javascript:window.__xss=4";

// a PNG of width x height pixels, its pixels a fixed pattern that deflate
// cannot shrink much (so its upload takes several progress events)
function png(width, height) {
  const zlib = require("zlib");
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) {
      c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "ascii");
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // 8 bits per channel
  header[9] = 2; // RGB
  const raw = Buffer.alloc(height * (1 + width * 3));
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = i % (1 + width * 3) === 0 ? 0 : x >>> 24;
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

// records whether the upload's bar showed and how far it got
async function watchUpload(frame) {
  await frame.evaluate(() => {
    const box = document.getElementById("upload");
    const bar = document.getElementById("upload-progress");
    window.__upload = { shown: false, progress: 0 };
    new MutationObserver(() => {
      if (!box.hidden && !bar.hidden) {
        window.__upload.shown = true;
        window.__upload.progress = Math.max(window.__upload.progress, bar.value);
      }
    }).observe(box, { attributes: true, subtree: true });
  });
}

// what a drag and drop of a file named name onto the message list fires
async function dropFile(frame, name, text) {
  await frame.evaluate(([n, t]) => {
    const target = document.getElementById("scroller");
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: "text/plain" }));
    for (const type of ["dragenter", "dragover", "drop"]) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, [name, text]);
}

// waits for the file message named filename; returns what the user sees of it
async function fileMessage(frame, filename) {
  const handle = await frame.waitForFunction((name) => {
    const li = Array.from(document.querySelectorAll("#messages li.msg[data-message-id]"))
      .find((e) => {
        const img = e.querySelector(".file img");
        const a = e.querySelector(".file a");
        return (img && img.alt === name) || (!img && a && a.textContent === name);
      });
    const size = li && li.querySelector(".file-size").textContent;
    const img = li && li.querySelector(".file img");
    if (!li || !size || (img && !(img.complete && img.naturalWidth > 0))) {
      return null;
    }
    const a = li.querySelector(".file a");
    return {
      sender: li.querySelector(".sender").textContent,
      thumbnail: img ? img.naturalWidth : null,
      link: img ? null : { text: a.textContent, download: a.download,
        attachment: new URL(a.href).pathname.startsWith("/api/v1/attachments/") },
      size,
    };
  }, filename, { timeout: DEADLINE_MS });
  return handle.jsonValue();
}

const scenarios = {
  // a host where no relay can run (CGI only): the room polls since= and says so
  async nodaemon(browser) {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    await joinThroughTheForm(alice, "Alice", true, "polling");
    await joinThroughTheForm(bob, "Bob", true, "polling");
    check("alice's connection state", await room(alice).textContent("#conn-text"));
    await send(room(alice), "Hello Bob, from a host without a relay");
    check("bob sees alice", (await message(room(bob), "Hello Bob, from a host without a relay")).sender);
    await send(room(bob), "Hi Alice\nby polling");
    check("alice sees bob", (await message(room(alice), "Hi Alice\nby polling")).sender);
    await bob.reload();
    await room(bob).waitForSelector('#conn[data-state="polling"]', { timeout: DEADLINE_MS });
    check("bob's history after a reload", (await message(room(bob), "Hello Bob, from a host without a relay")).sender);
  },

  async chat(browser) {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    await alice.goto(cfg.base + "/join?conversationId=" + cfg.conversationId + "&code=" + cfg.joinCode);
    await screenshots(alice, "join");
    await alice.fill("#joinCode", "wrong");
    await alice.fill("#displayName", "Alice");
    await alice.click("#join-button");
    check("a wrong code", await shown(alice, "#form-error"));
    await joinThroughTheForm(alice, "Alice");
    await joinThroughTheForm(bob, "alice", false);
    check("a name taken", await shown(bob, "#displayName-error"));
    await joinThroughTheForm(bob, "Bob");

    await send(room(alice), "Hello Bob");
    check("bob sees alice", await message(room(bob), "Hello Bob"));
    check("alice sees her own", await message(room(alice), "Hello Bob"));
    await send(room(bob), "Hi Alice\nsecond line");
    check("alice sees bob's two lines", await message(room(alice), "Hi Alice\nsecond line"));

    await room(alice).type("#message-input", "I am typ");
    check("bob sees alice typing", await typingShown(room(bob), "Alice is typing…"));
    await room(alice).type("#message-input", "ing");
    await room(alice).press("#message-input", "Enter");
    await message(room(bob), "I am typing");
    check("typing gone after the send", await typingShown(room(bob), ""));

    const refused = [];
    alice.on("response", (r) => { if (r.status() === 429) refused.push(r.url()); });
    for (const text of ["ok", "sure", "see you", "bye"]) {
      await send(room(alice), text);
    }
    await message(room(bob), "bye");
    check("quick short messages: requests refused", refused);

    await ask("a message whose event crossed another");
    const shownNow = await room(bob).waitForFunction(() => {
      const bodies = Array.from(document.querySelectorAll("#messages li.msg .body"))
        .map((e) => e.textContent);
      return bodies.includes("crossed on the way") ? bodies : null;
    }, null, { timeout: DEADLINE_MS });
    const bodies = await shownNow.jsonValue();
    check("a message whose event came late, in its place",
      bodies.slice(bodies.indexOf("ok"), bodies.indexOf("ok") + 3));

    const mal = await apiUser(XSS_NAME);
    await mal.say(XSS_BODY);
    check("alice sees the payload", await message(room(alice), XSS_BODY));
    check("bob sees the payload", await message(room(bob), XSS_BODY));

    await setHidden(room(bob), true);
    await send(room(alice), "while you were away");
    await room(bob).waitForFunction(() => document.title.startsWith("(1) "), null,
      { timeout: DEADLINE_MS });
    check("bob's title while hidden", await bob.title());
    check("the divider", (await message(room(bob), "while you were away")).afterDivider);
    await setHidden(room(bob), false);
    await room(bob).waitForFunction(() => !document.title.startsWith("("), null,
      { timeout: DEADLINE_MS });
    check("bob's title when back", await bob.title());

    await bob.reload();
    await live(room(bob));
    check("history after a reload", [await message(room(bob), "Hello Bob"),
      await message(room(bob), "while you were away")].map((m) => m.sender));
    check("scripts that ran", await Promise.all([alice, bob].map((p) => p.evaluate(() =>
      window.__xss === undefined ? null : window.__xss))));
    await screenshots(bob, "room");
  },

  async files(browser) {
    const alice = await newPage(browser);
    const bob = await newPage(browser);
    await joinThroughTheForm(alice, "Alice");
    await joinThroughTheForm(bob, "Bob");

    await watchUpload(room(alice));
    await room(alice).setInputFiles("#file-input",
      { name: "noise.png", mimeType: "image/png", buffer: png(400, 300) });
    check("bob sees the image", await fileMessage(room(bob), "noise.png"));
    check("alice sees her image", (await fileMessage(room(alice), "noise.png")).sender);
    await room(alice).waitForSelector("#upload", { state: "hidden", timeout: DEADLINE_MS });
    check("alice's progress bar", await room(alice).evaluate(() => window.__upload));

    await dropFile(room(alice), cfg.xssFilename, "just some text\n");
    check("bob sees the text file", await fileMessage(room(bob), cfg.xssFilename));

    const keys = [];
    alice.on("request", (r) => {
      if (r.url().endsWith("/api/v1/attachments") && r.method() === "POST") {
        keys.push(r.headers()["idempotency-key"]);
      }
    });
    await alice.route("**/api/v1/attachments", (route) => route.abort("connectionreset"));
    await room(alice).setInputFiles("#file-input",
      { name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    check("a failed upload", await shown(alice, "#upload-error"));
    await alice.unroute("**/api/v1/attachments");
    await room(alice).click("#upload-retry");
    check("bob sees the retried file", (await fileMessage(room(bob), "notes.pdf")).link);
    check("one key for both tries", keys.length === 2 && keys[0] === keys[1] && !!keys[0]);

    await room(alice).setInputFiles("#file-input",
      { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(cfg.maxUpload + 1) });
    check("too large", await shown(alice, "#upload-error"));
    check("scripts that ran", await Promise.all([alice, bob].map((p) => p.evaluate(() =>
      window.__xss === undefined ? null : window.__xss))));
    check("files bob has", await room(bob).evaluate(() =>
      document.querySelectorAll("#messages li.msg .file").length));
    await screenshots(bob, "files");
  },

  async history(browser) {
    const carol = await newPage(browser);
    await joinThroughTheForm(carol, "Carol");
    const frame = room(carol);
    await message(frame, "m119");
    const count = () => frame.evaluate(() => document.querySelectorAll("#messages li.msg").length);
    check("first page", await count());
    const deadline = Date.now() + DEADLINE_MS;
    while (!(await frame.evaluate(() => /starts here/.test(document.getElementById("history")
      .textContent)))) {
      if (Date.now() > deadline) {
        throw new Error("older messages never all came: " + (await count()));
      }
      await frame.evaluate(() => { document.getElementById("scroller").scrollTop = 0; });
      await frame.waitForFunction(() => !/Loading/.test(document.getElementById("history")
        .textContent), null, { timeout: DEADLINE_MS });
    }
    check("all pages", await count());
    check("the oldest first", await frame.evaluate(() =>
      document.querySelector("#messages li.msg .body").textContent));
    await frame.click("#leave");
    await carol.waitForURL(/\/join\?/, { timeout: DEADLINE_MS });
    check("after leaving", carol.url().replace(cfg.base, ""));
  },

  async relay(browser) {
    const dave = await newPage(browser);
    await joinThroughTheForm(dave, "Dave");
    const eve = await apiUser("Eve");
    await ask("stop-relay");
    await room(dave).waitForSelector('#conn[data-state="polling"]', { timeout: DEADLINE_MS });
    check("state while polling", await room(dave).textContent("#conn-text"));
    await eve.say("by polling");
    check("a message by polling", (await message(room(dave), "by polling")).sender);
    await ask("start-relay");
    await live(room(dave));
    await eve.typing(true);
    check("the stream is back", await typingShown(room(dave), "Eve is typing…"));
    await eve.say("by the stream");
    check("a message by the stream", (await message(room(dave), "by the stream")).sender);
    await ask("close");
    check("the closed banner", await shown(dave, "#banner"));
    check("the composer", await room(dave).isDisabled("#message-input"));
  },

  async embed(browser) {
    const page = await newPage(browser);
    await page.addInitScript(() => {
      window.__fromChats3 = [];
      window.addEventListener("message", (e) => window.__fromChats3.push({ origin: e.origin,
        data: e.data }));
    });
    await page.goto(cfg.integrator + "/?name=Frame%20User&room=" + cfg.conversationId);
    const deadline = Date.now() + DEADLINE_MS;
    let frame;
    while (!(frame = page.frames().find((f) => f.url().startsWith(cfg.base + "/room/")))) {
      if (Date.now() > deadline) {
        throw new Error("no room frame");
      }
      await page.waitForTimeout(50);
    }
    await live(frame);
    await send(frame, "from the embed");
    check("the frame's own message", await message(frame, "from the embed"));
    const outside = await apiUser("Outside");
    await outside.say("to the embed");
    check("a message into the frame", (await message(frame, "to the embed")).sender);
    await outside.upload("into-the-frame.png", png(40, 30));
    check("an image into the frame", (await fileMessage(frame, "into-the-frame.png")).thumbnail);
    await page.evaluate((html) => document.body.insertAdjacentHTML("beforeend", html),
      cfg.badge.html);
    await page.addScriptTag({ content: cfg.badge.script });
    await setHidden(frame, true);
    await outside.say("while the frame is hidden");
    await page.waitForFunction(() => window.__fromChats3.some((m) => m.data.type === "unread" &&
      m.data.count === 1), null, { timeout: DEADLINE_MS });
    check("posted to the parent", await page.evaluate(() => window.__fromChats3));
    const badge = () => page.evaluate(() => {
      const b = document.getElementById("chat-badge");
      return b.hidden ? null : b.textContent;
    });
    check("the badge", await badge());
    await setHidden(frame, false);
    await page.waitForFunction(() => document.getElementById("chat-badge").hidden, null,
      { timeout: DEADLINE_MS });
    check("the badge once seen", await badge());
    await shoot(page, "embed", "light", "phone");
  },
};

async function main() {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  try {
    await scenarios[scenario](browser);
    report({ done: true });
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
