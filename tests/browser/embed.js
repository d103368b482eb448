// tests/browser/embed.js PAGE_URL CHATS3_ORIGIN: opens the integrator's
// page PAGE_URL in Debian's chromium (headless, never a downloaded browser)
// and reports, as one JSON line, what the room's frame (CHATS3_ORIGIN/room/...)
// shows: its URL once session.js ran, what it kept, the session the API
// gives it with x-session-id, a message it posts, the same after a reload
// of the frame, and a cross-site POST the integrator's page tries itself.
"use strict";
const { chromium } = require("playwright-core");

const [pageUrl, chats3] = process.argv.slice(2);
const DEADLINE_MS = 15000;

async function roomFrame(page) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const frame = page.frames().find((f) => f.url().startsWith(chats3 + "/room/"));
    if (frame) {
      await frame.waitForFunction(() => window.Chats3Session && window.Chats3Session.id(),
        null, { timeout: Math.max(1, deadline - Date.now()) });
      return frame;
    }
    if (Date.now() > deadline) {
      throw new Error("no room frame; frames: " + page.frames().map((f) => f.url()).join(" "));
    }
    await page.waitForTimeout(50);
  }
}

function inFrame() {
  return (async () => {
    const s = await window.Chats3Session.fetch("/api/v1/session");
    const sent = await window.Chats3Session.fetch("/api/v1/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ body: "from the frame" }),
    });
    return {
      href: window.location.href,
      kept: (() => {
        try {
          return window.sessionStorage.getItem("chats3.sessionId");
        } catch (e) {
          return "denied";
        }
      })(),
      id: window.Chats3Session.id(),
      eventSource: window.Chats3Session.eventSourceUrl("/api/v1/signaling"),
      sessionStatus: s.status,
      session: (await s.json()).data,
      sendStatus: sent.status,
      cookieVisible: document.cookie.indexOf("sessionId") >= 0,
    };
  })();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    const frame = await roomFrame(page);
    const first = await frame.evaluate(inFrame);
    await frame.goto(frame.url()); // a reload: the fragment is gone by now
    const again = await (await roomFrame(page)).evaluate(inFrame);
    const cross = await page.evaluate(async (url) => {
      try {
        await fetch(url + "/api/v1/messages", { method: "POST", mode: "no-cors",
          credentials: "include", headers: { "Content-Type": "text/plain" }, body: "{}" });
        return "sent";
      } catch (e) {
        return "failed: " + e;
      }
    }, chats3);
    console.log(JSON.stringify({ first, again, cross }));
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
