// tests/browser/calls.js SCENARIO CONFIG_JSON: two participants of one room
// call each other in Debian's chromium (playwright-core) with its fake
// camera and microphone, and what each sees is printed, one JSON object a
// line: {"check": name, "got": ...}, then {"done": true}. Every wait has a
// deadline; none is a fixed sleep.
//
// CONFIG: {base, conversationId, artifacts, alice: {sessionId, userId},
//          bob: {sessionId, userId}}
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [scenario, configJson] = process.argv.slice(2);
const cfg = JSON.parse(configJson);
const DEADLINE_MS = 20000;

function check(name, got) {
  process.stdout.write(JSON.stringify({ check: name, got }) + "\n");
}

// the room as who, with the session the test made for it
async function enter(browser, who, viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1000, height: 760 } });
  await context.addCookies([{ name: "sessionId", value: cfg[who].sessionId, url: cfg.base }]);
  const page = await context.newPage();
  await page.goto(cfg.base + "/room/" + cfg.conversationId);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: DEADLINE_MS });
  return page;
}

function callButton(page, media, name) {
  return page.getByRole("button", { name: (media === "video" ? "Video call " : "Audio call ") + name });
}

// what the user sees of the call: panel, its connection, the other's video
function seen(page) {
  return page.evaluate(() => {
    const panel = document.getElementById("call-panel");
    const prompt = document.getElementById("call-incoming");
    return {
      panel: !panel.hidden,
      prompt: prompt.hidden ? null : prompt.textContent,
      connection: panel.dataset.connection || null,
      callId: panel.dataset.callId || null,
      remoteWidth: document.getElementById("call-remote").videoWidth,
      title: document.getElementById("call-title").textContent,
      status: document.getElementById("call-status").textContent,
    };
  });
}

// connected, and with video the other's shown (an audio call has none)
async function connected(page, media = "video") {
  await page.waitForFunction((audio) => document.getElementById("call-panel").dataset.connection ===
    "connected" && (audio || document.getElementById("call-remote").videoWidth > 0),
    media === "audio", { timeout: DEADLINE_MS });
  return seen(page);
}

async function closed(page) {
  await page.waitForFunction(() => document.getElementById("call-panel").hidden &&
    document.getElementById("call-incoming").hidden, null, { timeout: DEADLINE_MS });
  return seen(page);
}

async function ringing(page) {
  await page.getByRole("alertdialog").waitFor({ timeout: DEADLINE_MS });
  return (await seen(page)).prompt;
}

async function shoot(page, name, viewport) {
  fs.mkdirSync(cfg.artifacts, { recursive: true });
  await page.setViewportSize(viewport);
  await page.screenshot({ path: path.join(cfg.artifacts, name + ".png") });
}

// Holds each page's first offer until both pages have sent one, so that
// the two offers cross: both ends have a local offer when the other's comes.
async function crossOffers(pages) {
  const held = [];
  let count = 0;
  for (const page of pages) {
    await page.route((url) => url.pathname === "/api/v1/signaling" && url.search === "",
      async (route) => {
        const body = JSON.parse(route.request().postData() || "{}");
        if (body.type !== "offer" || count >= pages.length) {
          return route.continue();
        }
        count++;
        held.push(route);
        if (count === pages.length) {
          held.forEach((r) => r.continue());
        }
      });
  }
  return () => count;
}

const scenarios = {
  async call(browser) {
    const alice = await enter(browser, "alice");
    const bob = await enter(browser, "bob");
    await callButton(alice, "video", "Bob").click();
    check("bob is rung", await ringing(bob));
    await bob.getByRole("button", { name: "Accept" }).click();
    check("alice connected", await connected(alice));
    check("bob connected", await connected(bob));
    const mute = alice.getByRole("button", { name: "Mute" });
    await mute.click();
    check("alice muted", await mute.getAttribute("aria-pressed"));
    await shoot(alice, "call-light-desktop", { width: 1000, height: 760 });
    await shoot(bob, "call-light-phone", { width: 390, height: 760 });
    await alice.emulateMedia({ colorScheme: "dark" });
    await shoot(alice, "call-dark-phone", { width: 390, height: 760 });
    await alice.getByRole("button", { name: "Hang up" }).click();
    check("alice after hanging up", await closed(alice));
    check("bob after alice hung up", await closed(bob));
    check("bob can call again", await callButton(bob, "video", "Alice").isEnabled());
  },

  async decline(browser) {
    const alice = await enter(browser, "alice");
    const bob = await enter(browser, "bob", { width: 390, height: 760 });
    await callButton(alice, "audio", "Bob").click();
    check("bob is rung", await ringing(bob));
    check("alice waits", (await seen(alice)).title);
    await shoot(bob, "call-incoming-light-phone", { width: 390, height: 760 });
    await bob.getByRole("button", { name: "Decline" }).click();
    check("alice after the decline", await closed(alice));
    check("bob after declining", await closed(bob));
    await callButton(alice, "audio", "Bob").click();
    await ringing(bob);
    await bob.getByRole("button", { name: "Accept" }).click();
    await connected(alice, "audio");
    await bob.getByRole("button", { name: "Leave" }).click();
    check("alice after bob left", await closed(alice));
  },

  async glare(browser) {
    const alice = await enter(browser, "alice");
    const bob = await enter(browser, "bob");
    const crossed = await crossOffers([alice, bob]);
    await Promise.all([callButton(alice, "video", "Bob").click(),
      callButton(bob, "video", "Alice").click()]);
    const both = await Promise.all([connected(alice), connected(bob)]);
    check("offers that crossed", crossed());
    check("alice", both[0]);
    check("bob", both[1]);
    await bob.getByRole("button", { name: "Hang up" }).click();
    check("alice after bob hung up", await closed(alice));
  },
};

async function main() {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage",
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
  });
  try {
    await scenarios[scenario](browser);
    process.stdout.write(JSON.stringify({ done: true }) + "\n");
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
