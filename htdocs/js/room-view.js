/*
 * room-view.js: how the room shows things, built with the DOM alone: user
 * data goes in as textContent or through checked attributes, never as
 * HTML. Links in a message's text become <a> only for http(s) URLs, with
 * rel="noopener noreferrer nofollow". A file message shows an image type
 * as a thumbnail and anything else as a download link named by its
 * filename, with the size from the attachment's /meta; their URLs carry
 * sessionId= only when the session is not in a cookie (Chats3Session).
 *
 *   Chats3View.message(m, mine)      <li> of a message of the API
 *   Chats3View.settle(li, m)         li now shows the stored message m
 *   Chats3View.person(p, me, online) <li> of a participant
 *   Chats3View.typingText(names)     "Bob is typing…" or ""
 *   Chats3View.divider()             the "New messages" divider
 */
(function () {
	"use strict";
	var URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
	var TRAILING = /[.,;:!?'")\]]+$/;
	var THUMBNAIL_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
	var S = window.Chats3Session;

	function el(tag, className, text) {
		var e = document.createElement(tag);
		if (className) {
			e.className = className;
		}
		if (text !== undefined) {
			e.textContent = text;
		}
		return e;
	}

	/* an http(s) URL's normalized href, or null */
	function safeHref(text) {
		try {
			var u = new URL(text);
			return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
		} catch (e) {
			return null;
		}
	}

	function link(text, href) {
		var a = el("a", "", text);
		a.href = href;
		a.target = "_blank";
		a.rel = "noopener noreferrer nofollow";
		return a;
	}

	/* text as nodes, its http(s) URLs as links */
	function linkified(text) {
		var frag = document.createDocumentFragment();
		var at = 0;
		text.replace(URL_RE, function (found, offset) {
			var url = found.replace(TRAILING, "");
			var href = safeHref(url);
			if (!href) {
				return found;
			}
			frag.appendChild(document.createTextNode(text.slice(at, offset)));
			frag.appendChild(link(url, href));
			at = offset + url.length;
			return found;
		});
		frag.appendChild(document.createTextNode(text.slice(at)));
		return frag;
	}

	function hue(s) {
		var h = 0;
		for (var i = 0; i < s.length; i++) {
			h = (h * 31 + s.charCodeAt(i)) % 360;
		}
		return h;
	}

	function initials(name) {
		var words = name.trim().split(/\s+/).filter(Boolean);
		var first = Array.from(words[0] || "?")[0];
		var last = words.length > 1 ? Array.from(words[words.length - 1])[0] : "";
		return (first + last).toUpperCase();
	}

	function initialsAvatar(name, key) {
		var a = el("span", "avatar", initials(name));
		a.style.setProperty("--avatar-hue", String(hue(key || name)));
		a.setAttribute("aria-hidden", "true");
		return a;
	}

	/* the avatar image when url is https:, else the name's initials */
	function avatar(name, url, key) {
		var img;
		if (typeof url !== "string" || !/^https:\/\//i.test(url) || !safeHref(url)) {
			return initialsAvatar(name, key);
		}
		img = el("img", "avatar");
		img.alt = "";
		img.referrerPolicy = "no-referrer";
		img.addEventListener("error", function () {
			img.replaceWith(initialsAvatar(name, key));
		});
		img.src = url;
		return img;
	}

	function time(iso) {
		var d = new Date(iso);
		var t = el("time", "time", isNaN(d) ? "" :
			d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
		if (!isNaN(d)) {
			t.dateTime = d.toISOString();
			t.title = d.toLocaleString();
		}
		return t;
	}

	/* "12 KB": bytes as people read them */
	function size(bytes) {
		var units = ["bytes", "KB", "MB", "GB"];
		var i = 0;
		while (bytes >= 1024 && i < units.length - 1) {
			bytes /= 1024;
			i++;
		}
		return (i === 0 ? String(bytes) : bytes.toFixed(bytes < 10 ? 1 : 0)) + " " + units[i];
	}

	/* the attachment's size, from its /meta, into span */
	function showSize(m, span) {
		S.fetch(m.url + "/meta").then(function (res) {
			return res.ok ? res.json() : null;
		}).then(function (doc) {
			if (doc && doc.data && typeof doc.data.attachment.sizeBytes === "number") {
				span.textContent = size(doc.data.attachment.sizeBytes);
			}
		}).catch(function () {
			return null; /* the size is a detail */
		});
	}

	/* the thumbnail or download link of a file message m */
	function file(m) {
		var box = el("span", "file");
		var href = S.eventSourceUrl(m.url);
		var a = el("a", "file-link");
		var img;
		var span = el("span", "file-size");
		a.href = href;
		if (THUMBNAIL_TYPES.indexOf(m.mimetype) >= 0) {
			img = el("img", "file-thumb");
			img.alt = m.filename || "";
			img.src = href;
			a.target = "_blank";
			a.rel = "noopener noreferrer";
			a.appendChild(img);
		} else {
			a.textContent = m.filename || "file";
			a.download = m.filename || "";
		}
		box.appendChild(a);
		box.appendChild(span);
		showSize(m, span);
		return box;
	}

	/* what a message says: its text, or its file */
	function content(m) {
		var p = el("p", "body");
		if (m.type === "file" && typeof m.url === "string" && /^\/api\/v1\/attachments\//.test(m.url)) {
			p.appendChild(file(m));
		} else {
			p.appendChild(linkified(m.body || ""));
		}
		return p;
	}

	function systemMessage(m) {
		var li = el("li", "msg msg-system");
		var p = el("p", "body");
		p.appendChild(linkified(m.body || ""));
		li.appendChild(p);
		li.appendChild(time(m.serverReceivedAt));
		return li;
	}

	function message(m, mine) {
		var li, main, head, body;
		if (m.type === "system") {
			li = systemMessage(m);
		} else {
			li = el("li", "msg" + (mine ? " msg-own" : ""));
			main = el("div", "msg-main");
			head = el("p", "msg-head");
			head.appendChild(el("span", "sender", mine ? "You" : m.senderDisplayName));
			head.appendChild(time(m.serverReceivedAt || m.clientTimestamp));
			body = content(m);
			main.appendChild(head);
			main.appendChild(body);
			main.appendChild(el("p", "msg-state"));
			li.appendChild(avatar(m.senderDisplayName || "?", m.senderAvatarUrl, m.senderUserId));
			li.appendChild(main);
		}
		if (m.messageId) {
			li.dataset.messageId = m.messageId;
		}
		if (m.serverReceivedAt) {
			li.dataset.at = m.serverReceivedAt;
		}
		return li;
	}

	function settle(li, m) {
		var t = li.querySelector("time");
		li.dataset.messageId = m.messageId;
		li.dataset.at = m.serverReceivedAt;
		li.classList.remove("msg-pending", "msg-failed");
		li.querySelector(".msg-state").textContent = "";
		t.replaceWith(time(m.serverReceivedAt));
	}

	function person(p, me, online) {
		var li = el("li", "person" + (online ? " online" : ""));
		var name = el("span", "person-name", p.displayName + (me ? " (you)" : ""));
		li.appendChild(avatar(p.displayName, p.avatarUrl, p.userId));
		li.appendChild(name);
		li.appendChild(el("span", "presence", online ? "online" : "away"));
		li.dataset.userId = p.userId;
		return li;
	}

	function typingText(names) {
		if (names.length === 0) {
			return "";
		}
		if (names.length === 1) {
			return names[0] + " is typing…";
		}
		if (names.length === 2) {
			return names[0] + " and " + names[1] + " are typing…";
		}
		return "Several people are typing…";
	}

	function divider() {
		var li = el("li", "unread-divider", "New messages");
		li.setAttribute("role", "separator");
		return li;
	}

	window.Chats3View = {
		message: message,
		settle: settle,
		person: person,
		typingText: typingText,
		divider: divider
	};
}());
