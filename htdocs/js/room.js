/*
 * room.js: the chat room (/room/<conversationId>), over the API with the
 * session of session.js.
 *
 * Messages: the newest page of history, older pages while scrolling up
 * (before= cursor); new ones from the event stream (GET /api/v1/signaling),
 * and after every (re)connect the ones missed, from since= the newest
 * message seen. While the stream cannot be had (503: the relay is down)
 * the room polls since= and says so, and tries the stream again. A send
 * shows at once, goes with a clientMessageId and is retried with that same
 * id (the server stores it once), and is marked when it finally fails.
 *
 * Also: participants and their presence (peer-join, peer-leave), typing
 * (sent at most every TYPING_EVERY_MS, cleared by the sender's message or after a pause),
 * unread count in the title with a divider while the tab is hidden, an
 * opt-in notification, the closed conversation's banner, leaving; inside
 * an embed, {"source":"chats3","type":"ready"|"unread"} posted to the
 * session's embedding origin only.
 *
 * Other scripts of the page (call.js) hook in through window.Chats3Room:
 * on(type, fn) gets the stream's events of the types the room does not
 * handle itself, on("people", fn) each change of the participants and
 * on("ended", fn) the end of the session (left, removed, expired);
 * me() is the session, people() the participants ({person, online}),
 * post(type, toUserId, data) sends a signaling event (the api() answer),
 * uuid() a fresh random id (for clientMessageId, Idempotency-Key).
 */
(function () {
	"use strict";
	var S = window.Chats3Session;
	var V = window.Chats3View;
	var PAGE = 50;
	var CATCH_UP = 200;
	var POLL_MS = 3000;
	var STREAM_RETRY_MS = 5000;
	var SEND_RETRIES = [1000, 2000, 4000, 8000];
	var TYPING_EVERY_MS = 3000;
	var TYPING_PAUSE_MS = 4000;
	var TYPING_SHOWN_MS = 6000;
	var TYPING_BURST = 3;           /* the server takes 3 typing events a second... */
	var TYPING_BURST_MS = 1100;     /* ...so at most 3 go out in this time */
	var NEAR_TOP_PX = 120;
	var NEAR_BOTTOM_PX = 60;
	var CLOSED_NOTICE = "Conversation closed"; /* the system message of a close (lib/admin_ops.h) */
	var ONLINE_MS = 5 * 60 * 1000; /* active this recently: online until an event says more */

	var $ = function (id) {
		return document.getElementById(id);
	};
	var list = $("messages");
	var scroller = $("scroller");
	var input = $("message-input");
	var baseTitle = document.title;

	var me = null;           /* the session: userId, displayName, avatarUrl, origin */
	var shown = new Map();   /* messageId -> <li> */
	var pending = [];        /* sends not yet confirmed: {li, cid, body, ts, tries} */
	var newestId = null;     /* newest message seen in order, for since= */
	var cursor;              /* before= of the next older page; null: no more */
	var loadingOlder = false;
	var stream = null;
	var pollTimer = null;
	var retryTimer = null;
	var catching = null;
	var ended = false;
	var unread = 0;
	var dividerShown = false;
	var notifyOn = false;
	var people = new Map();  /* userId -> {person, online} */
	var typists = new Map(); /* userId -> timer */
	var typingSentAt = 0;
	var typingPause = null;
	var typingTimes = [];    /* when the last typing events went out */
	var hooks = {};          /* event type -> [fn] of Chats3Room.on */

	function api(method, path, body) {
		var opts = { method: method, headers: {} };
		if (body !== undefined) {
			opts.headers["Content-Type"] = "application/json";
			opts.body = JSON.stringify(body);
		}
		return S.fetch(path, opts).then(function (res) {
			return res.json().catch(function () {
				return null;
			}).then(function (doc) {
				return {
					status: res.status,
					ok: res.ok,
					data: doc && doc.data,
					message: (doc && doc.message) || "",
					retryAfter: Number(res.headers.get("Retry-After")) || 0,
					nextCursor: res.headers.get("X-Next-Cursor")
				};
			});
		});
	}

	function uuid() {
		var b = new Uint8Array(16);
		var h = [];
		window.crypto.getRandomValues(b);
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		b.forEach(function (x) {
			h.push((x + 0x100).toString(16).slice(1));
		});
		h = h.join("");
		return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
	}

	function emit(type, ev) {
		(hooks[type] || []).forEach(function (fn) {
			fn(ev);
		});
	}

	window.Chats3Room = {
		on: function (type, fn) {
			(hooks[type] = hooks[type] || []).push(fn);
		},
		me: function () {
			return me;
		},
		people: function () {
			return Array.from(people.values());
		},
		uuid: uuid,
		post: function (type, toUserId, data) {
			return api("POST", "/api/v1/signaling", { type: type, toUserId: toUserId, data: data });
		}
	};

	/* ---- embed: the parent page ---- */

	function toParent(msg) {
		if (window.parent === window || !me || !me.origin) {
			return;
		}
		msg.source = "chats3";
		window.parent.postMessage(msg, me.origin);
	}

	/* ---- state shown ---- */

	var CONN_TEXT = {
		connecting: "Connecting…",
		live: "Connected",
		reconnecting: "Reconnecting…",
		polling: "Live updates unavailable: checking for new messages every few seconds",
		offline: "Offline: waiting for the network",
		ended: "Disconnected"
	};

	function setConn(state) {
		$("conn").dataset.state = state;
		$("conn-text").textContent = CONN_TEXT[state];
	}

	function banner(text) {
		$("banner").textContent = text;
		$("banner").hidden = false;
	}

	function closed() {
		banner("This conversation is closed: no new messages can be sent.");
		input.disabled = true;
		$("send").disabled = true;
	}

	/* the session is gone (left, removed, expired): everything stops */
	function end(text) {
		if (ended) {
			return;
		}
		ended = true;
		stopStream();
		stopPolling();
		emit("ended");
		setConn("ended");
		banner(text);
		input.disabled = true;
		$("send").disabled = true;
		$("leave").disabled = true;
	}

	function atBottom() {
		return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
	}

	function toBottom() {
		scroller.scrollTop = scroller.scrollHeight;
	}

	function away() {
		return document.hidden || !atBottom();
	}

	function setUnread(n) {
		if (n === unread) {
			return;
		}
		unread = n;
		document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
		$("jump").hidden = n === 0 || document.hidden;
		$("jump").textContent = n + " new message" + (n === 1 ? "" : "s") + " ↓";
		toParent({ type: "unread", count: n });
	}

	function seen() {
		if (!document.hidden && atBottom()) {
			setUnread(0);
		}
	}

	/* ---- messages ---- */

	function mine(m) {
		return me !== null && m.senderUserId === me.userId;
	}

	function firstPending() {
		return pending.length ? pending[0].li : null;
	}

	/* Where m goes: before the first pending send, and before the shown
	 * messages history has after it (serverReceivedAt, the conversation's
	 * clock): events sent through two hosts can reach the stream crossed. */
	function placeOf(m) {
		var next = firstPending();
		var prev = next ? next.previousElementSibling : list.lastElementChild;
		while (m.serverReceivedAt && prev && prev.dataset.at && prev.dataset.at > m.serverReceivedAt) {
			next = prev;
			prev = prev.previousElementSibling;
		}
		return next;
	}

	/* a message the stream or since= brings, after those shown before it */
	function arrived(m) {
		var follow = atBottom();
		var li;
		newestId = m.messageId;
		if (shown.has(m.messageId) || adopt(m)) {
			return;
		}
		if (m.type === "system" && m.body === CLOSED_NOTICE) {
			closed();
		} else if (m.type === "system") {
			refreshStatus();
		}
		li = V.message(m, mine(m));
		shown.set(m.messageId, li);
		if (!mine(m) && away()) {
			if (document.hidden && !dividerShown) {
				clearDivider();
				list.insertBefore(V.divider(), firstPending());
				dividerShown = true;
			}
			setUnread(unread + 1);
			notify(m);
		}
		list.insertBefore(li, placeOf(m));
		typed(m.senderUserId, false);
		if (!mine(m)) {
			$("announce").textContent = (m.type === "system" ? "" : m.senderDisplayName + ": ") + m.body;
		}
		if (follow || mine(m)) {
			toBottom();
		}
	}

	function clearDivider() {
		var old = list.querySelector(".unread-divider");
		if (old) {
			old.remove();
		}
	}

	/* an own message the stream brings before its POST answered */
	function adopt(m) {
		var i = mine(m) ? pending.findIndex(function (p) {
			return p.body === m.body;
		}) : -1;
		var p;
		if (i < 0) {
			return false;
		}
		p = pending.splice(i, 1)[0];
		p.done = true;
		V.settle(p.li, m);
		shown.set(m.messageId, p.li);
		list.insertBefore(p.li, firstPending());
		return true;
	}

	/* older messages, oldest first, above those shown */
	function prepend(messages) {
		var before = scroller.scrollHeight;
		var top = list.firstChild;
		messages.forEach(function (m) {
			var li;
			if (!shown.has(m.messageId)) {
				li = V.message(m, mine(m));
				shown.set(m.messageId, li);
				list.insertBefore(li, top);
			}
		});
		scroller.scrollTop += scroller.scrollHeight - before;
	}

	function loadOlder() {
		if (loadingOlder || cursor === null || ended) {
			return Promise.resolve();
		}
		loadingOlder = true;
		$("history").textContent = "Loading older messages…";
		return api("GET", "/api/v1/messages?limit=" + PAGE +
			(cursor ? "&before=" + encodeURIComponent(cursor) : "")).then(function (r) {
			loadingOlder = false;
			if (!r.ok) {
				$("history").textContent = "Older messages could not be loaded.";
				return failed(r);
			}
			prepend(r.data.messages);
			cursor = r.data.nextCursor;
			$("history").textContent = cursor === null ? "The conversation starts here." : "";
			if (cursor !== null && scroller.scrollHeight <= scroller.clientHeight) {
				return loadOlder();
			}
		}, function () {
			loadingOlder = false;
			$("history").textContent = "Older messages could not be loaded.";
		});
	}

	/* a refusal that means the session or conversation is over */
	function failed(r) {
		if (r.status === 401) {
			end("Your session has ended. Join again to continue.");
		} else if (r.status === 410) {
			closed();
		}
	}

	/* the messages after newestId (or the newest page, when none) */
	function catchUp() {
		if (catching) {
			return catching;
		}
		catching = api("GET", "/api/v1/messages?" + (newestId ?
			"since=" + encodeURIComponent(newestId) + "&limit=" + CATCH_UP : "limit=" + PAGE))
			.then(function (r) {
				catching = null;
				if (r.status === 400 && newestId) {
					newestId = null; /* too old to follow: the newest page */
					return catchUp();
				}
				if (!r.ok) {
					return failed(r);
				}
				r.data.messages.forEach(arrived);
				if (r.data.messages.length === CATCH_UP) {
					return catchUp();
				}
			}, function () {
				catching = null;
			});
		return catching;
	}

	/* ---- sending ---- */

	function markFailed(p, why) {
		var state = p.li.querySelector(".msg-state");
		var retry = document.createElement("button");
		p.li.classList.remove("msg-pending");
		p.li.classList.add("msg-failed");
		state.textContent = "Not sent" + (why ? ": " + why : "") + " ";
		retry.type = "button";
		retry.className = "link";
		retry.textContent = "Retry";
		retry.addEventListener("click", function () {
			p.li.classList.remove("msg-failed");
			p.li.classList.add("msg-pending");
			state.textContent = "Sending…";
			p.tries = 0;
			attempt(p);
		});
		state.appendChild(retry);
	}

	function confirmed(p, m) {
		var i = pending.indexOf(p);
		if (p.done) {
			return;
		}
		p.done = true;
		if (i >= 0) {
			pending.splice(i, 1);
		}
		if (shown.has(m.messageId)) {
			p.li.remove();
			return;
		}
		V.settle(p.li, m);
		shown.set(m.messageId, p.li);
	}

	function retryLater(p, seconds) {
		var delay = SEND_RETRIES[p.tries];
		if (delay === undefined) {
			return markFailed(p, "the server did not answer");
		}
		p.tries++;
		window.setTimeout(function () {
			attempt(p);
		}, Math.max(delay, seconds * 1000));
	}

	function attempt(p) {
		api("POST", "/api/v1/messages", { body: p.body, clientMessageId: p.cid, clientTimestamp: p.ts })
			.then(function (r) {
				if (r.ok) {
					return confirmed(p, r.data.message);
				}
				if (r.status === 429 || r.status >= 500) {
					return retryLater(p, r.retryAfter);
				}
				failed(r);
				markFailed(p, r.message);
			}, function () {
				retryLater(p, 0);
			});
	}

	function send(text) {
		var ts = new Date().toISOString();
		var p = { cid: uuid(), body: text, ts: ts, tries: 0, done: false };
		p.li = V.message({
			senderUserId: me.userId, senderDisplayName: me.displayName, senderAvatarUrl: me.avatarUrl,
			type: "text", body: text, clientTimestamp: ts
		}, true);
		p.li.classList.add("msg-pending");
		p.li.querySelector(".msg-state").textContent = "Sending…";
		pending.push(p);
		list.appendChild(p.li);
		toBottom();
		attempt(p);
	}

	/* ---- typing ---- */

	/* false when the server would refuse one more now (a hint only: dropped) */
	function sendTyping(on) {
		var now = Date.now();
		typingTimes = typingTimes.filter(function (t) {
			return now - t < TYPING_BURST_MS;
		});
		if (typingTimes.length >= TYPING_BURST) {
			return false;
		}
		typingTimes.push(now);
		api("POST", "/api/v1/signaling", { type: "typing", data: { typing: on } }).catch(function () {
			return null;
		});
		return true;
	}

	/* true when the others were told this user types */
	function quietTyping() {
		var told = typingSentAt !== 0;
		window.clearTimeout(typingPause);
		typingPause = null;
		typingSentAt = 0;
		return told;
	}

	function stopTyping() {
		if (quietTyping()) {
			sendTyping(false);
		}
	}

	/* the composer as high as its lines, up to its CSS max-height */
	function fit() {
		input.style.height = "auto";
		input.style.height = input.scrollHeight + 2 + "px";
	}

	function typing() {
		var now = Date.now();
		fit();
		if (!input.value.trim()) {
			return stopTyping();
		}
		if (now - typingSentAt >= TYPING_EVERY_MS && sendTyping(true)) {
			typingSentAt = now;
		}
		window.clearTimeout(typingPause);
		typingPause = window.setTimeout(stopTyping, TYPING_PAUSE_MS);
	}

	function showTypists() {
		var names = [];
		typists.forEach(function (timer, userId) {
			var p = people.get(userId);
			names.push(p ? p.person.displayName : "Someone");
		});
		$("typing").textContent = V.typingText(names);
	}

	function typed(userId, on) {
		window.clearTimeout(typists.get(userId));
		typists.delete(userId);
		if (on && (!me || userId !== me.userId)) {
			typists.set(userId, window.setTimeout(function () {
				typed(userId, false);
			}, TYPING_SHOWN_MS));
		}
		showTypists();
	}

	/* ---- participants ---- */

	function showPeople() {
		var ul = $("people-list");
		ul.textContent = "";
		people.forEach(function (p) {
			ul.appendChild(V.person(p.person, me && p.person.userId === me.userId, p.online));
		});
		$("people-count").textContent = String(people.size);
		emit("people");
	}

	/* the participants from cursor on, every page (X-Next-Cursor: more
	 * follow) after those got: the last answer, with all of them in r.all */
	function fetchPeople(cursor, got) {
		return api("GET", "/api/v1/participants" +
			(cursor ? "?cursor=" + encodeURIComponent(cursor) : "")).then(function (r) {
			var all = r.ok ? got.concat(r.data.participants) : got;
			if (r.ok && r.nextCursor) {
				return fetchPeople(r.nextCursor, all);
			}
			r.all = all;
			return r;
		});
	}

	function loadPeople() {
		return fetchPeople(null, []).then(function (r) {
			var was = people;
			if (!r.ok) {
				return failed(r);
			}
			people = new Map();
			r.all.forEach(function (p) {
				var before = was.get(p.userId);
				people.set(p.userId, { person: p, online: before ? before.online :
					p.userId === me.userId || Date.now() - Date.parse(p.lastActiveAt) < ONLINE_MS });
			});
			showPeople();
		}, function () {
			return null;
		});
	}

	function peer(ev, on) {
		var d = ev.data || {};
		var p = people.get(d.userId || ev.fromUserId);
		if (!on) {
			people.delete(d.userId || ev.fromUserId);
			typed(d.userId || ev.fromUserId, false);
		} else if (p) {
			p.online = true;
		} else {
			people.set(d.userId, { person: { userId: d.userId, displayName: d.displayName }, online: true });
			loadPeople();
		}
		showPeople();
	}

	/* ---- the event stream, or polling ---- */

	function onEvent(e) {
		var ev;
		try {
			ev = JSON.parse(e.data);
		} catch (x) {
			return;
		}
		var from = people.get(ev.fromUserId);
		if (from) {
			from.online = true;
		}
		if (ev.type === "new-message" && ev.data) {
			arrived(ev.data);
		} else if (ev.type === "typing") {
			typed(ev.fromUserId, ev.data && ev.data.typing === true);
		} else if (ev.type === "peer-join" || ev.type === "peer-leave") {
			peer(ev, ev.type === "peer-join");
		} else {
			emit(ev.type, ev);
		}
	}

	function stopStream() {
		window.clearTimeout(retryTimer);
		if (stream) {
			stream.close();
			stream = null;
		}
	}

	function stopPolling() {
		window.clearInterval(pollTimer);
		pollTimer = null;
	}

	function connect() {
		stopStream();
		if (ended) {
			return;
		}
		stream = new EventSource(S.eventSourceUrl("/api/v1/signaling"));
		stream.onopen = function () {
			var first = !document.body.dataset.live;
			stopPolling();
			setConn("live");
			document.body.dataset.live = "1";
			catchUp();
			loadPeople();
			if (first) {
				toParent({ type: "ready" });
			}
		};
		stream.onmessage = onEvent;
		stream.onerror = function () {
			if (stream && stream.readyState === EventSource.CLOSED) {
				streamRefused();
			} else {
				setConn(navigator.onLine === false ? "offline" : "reconnecting");
			}
		};
	}

	/* the stream answered an error: the session's end, or the relay down */
	function streamRefused() {
		stopStream();
		refreshStatus().then(function (live) {
			if (!live) {
				return;
			}
			if (!pollTimer) {
				setConn("polling");
				pollTimer = window.setInterval(catchUp, POLL_MS);
				catchUp();
			}
			retryTimer = window.setTimeout(connect, STREAM_RETRY_MS);
		});
	}

	/* true while the session lasts; shows a closed conversation */
	function refreshStatus() {
		return api("GET", "/api/v1/session").then(function (r) {
			if (!r.ok) {
				failed(r);
				return r.status !== 401;
			}
			if (r.data.conversation && r.data.conversation.status === "closed") {
				closed();
			}
			return true;
		}, function () {
			return true;
		});
	}

	/* ---- notifications ---- */

	function beep() {
		var Ctx = window.AudioContext || window.webkitAudioContext;
		var ctx, osc, gain;
		if (!Ctx) {
			return;
		}
		ctx = new Ctx();
		osc = ctx.createOscillator();
		gain = ctx.createGain();
		osc.frequency.value = 880;
		gain.gain.setValueAtTime(0.08, ctx.currentTime);
		gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
		osc.connect(gain);
		gain.connect(ctx.destination);
		osc.start();
		osc.stop(ctx.currentTime + 0.25);
		osc.onended = function () {
			ctx.close();
		};
	}

	function notify(m) {
		if (!notifyOn || !document.hidden) {
			return;
		}
		beep();
		if (window.Notification && Notification.permission === "granted") {
			new Notification(m.type === "system" ? baseTitle : m.senderDisplayName, {
				body: m.body.slice(0, 140), tag: "chats3-" + document.body.dataset.conversationId
			});
		}
	}

	function toggleNotify() {
		notifyOn = !notifyOn;
		$("notify").setAttribute("aria-pressed", String(notifyOn));
		if (notifyOn && window.Notification && Notification.permission === "default") {
			Notification.requestPermission();
		}
	}

	/* ---- wiring ---- */

	function leave() {
		$("leave").disabled = true;
		stopTyping();
		api("POST", "/api/v1/leave", {}).then(function () {
			S.forget();
			end("You left the conversation.");
			window.location.assign("/join?conversationId=" +
				encodeURIComponent(document.body.dataset.conversationId));
		}, function () {
			$("leave").disabled = false;
			banner("Leaving failed: the server could not be reached.");
		});
	}

	function wire() {
		$("composer").addEventListener("submit", function (e) {
			var text = input.value;
			e.preventDefault();
			if (!text.trim() || ended) {
				return;
			}
			input.value = "";
			fit();
			quietTyping(); /* the message ends "typing" where it arrives */
			clearDivider();
			dividerShown = false;
			send(text);
			input.focus();
		});
		input.addEventListener("keydown", function (e) {
			if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
				e.preventDefault();
				$("composer").requestSubmit();
			}
		});
		input.addEventListener("input", typing);
		scroller.addEventListener("scroll", function () {
			if (scroller.scrollTop < NEAR_TOP_PX) {
				loadOlder();
			}
			seen();
		});
		document.addEventListener("visibilitychange", function () {
			if (!document.hidden) {
				dividerShown = false;
			}
			seen();
		});
		$("jump").addEventListener("click", function () {
			toBottom();
			seen();
		});
		$("leave").addEventListener("click", leave);
		$("notify").addEventListener("click", toggleNotify);
		$("people-toggle").addEventListener("click", function () {
			var open = document.body.classList.toggle("people-open");
			$("people-toggle").setAttribute("aria-expanded", String(open));
		});
		window.addEventListener("online", function () {
			if (!stream && !ended) {
				connect();
			}
		});
	}

	function start() {
		wire();
		api("GET", "/api/v1/session").then(function (r) {
			if (!r.ok) {
				failed(r);
				if (r.status === 401) {
					window.location.replace("/join?conversationId=" +
						encodeURIComponent(document.body.dataset.conversationId));
				}
				return;
			}
			me = r.data.session;
			$("display-name").textContent = me.displayName;
			if (r.data.conversation && r.data.conversation.status === "closed") {
				closed();
			}
			loadPeople();
			return loadOlder().then(function () {
				var all = list.querySelectorAll("li[data-message-id]");
				newestId = all.length ? all[all.length - 1].dataset.messageId : null;
				toBottom();
				connect();
				input.focus();
			});
		}, function () {
			setConn("offline");
			banner("The server could not be reached. Reload the page to try again.");
		});
	}

	start();
}());
