/*
 * session.js: the session of a Chats3 page, also inside an iframe whose
 * cookies the browser blocks. /embed sends the frame to
 * /room/<id>#session=<id>: this script takes the id from the fragment,
 * keeps it in sessionStorage (this frame's, so a reload keeps it), removes
 * it from the address bar and history (history.replaceState), and gives it
 * to the page's requests as the x-session-id header and as sessionId= on
 * the EventSource URL, which cannot carry a header. A frame whose browser
 * denies it storage too (third-party storage blocked) keeps the fragment:
 * it is then the one place the id survives a reload, and a frame shows no
 * address bar.
 *
 *   Chats3Session.id()                 the session id, or null
 *   Chats3Session.fetch(url, options)  fetch with x-session-id
 *   Chats3Session.eventSourceUrl(url)  url with sessionId= (the event stream,
 *                                      an attachment for <img> or a link)
 *   Chats3Session.forget()             drops the kept id (after leaving)
 */
(function () {
	"use strict";
	var KEY = "chats3.sessionId";
	var FRAGMENT = /(^#|&)session=([0-9a-f]{64})(?=&|$)/;
	var kept = null;

	/* true when sessionStorage took id */
	function store(id) {
		kept = id;
		try {
			window.sessionStorage.setItem(KEY, id);
			return true;
		} catch (e) {
			return false;
		}
	}

	function takeFromFragment() {
		var m = FRAGMENT.exec(window.location.hash);
		var rest;
		if (!m) {
			return;
		}
		if (!store(m[2])) {
			return;
		}
		rest = window.location.hash.replace(FRAGMENT, "$1").replace(/^#&/, "#").replace(/&$/, "");
		window.history.replaceState(window.history.state, "",
			window.location.pathname + window.location.search + (rest === "#" ? "" : rest));
	}

	function id() {
		try {
			return window.sessionStorage.getItem(KEY) || kept;
		} catch (e) {
			return kept;
		}
	}

	takeFromFragment();
	window.Chats3Session = {
		id: id,
		fetch: function (url, options) {
			var opts = options || {};
			var headers = new Headers(opts.headers || {});
			if (id()) {
				headers.set("x-session-id", id());
			}
			opts.headers = headers;
			opts.credentials = "same-origin";
			return window.fetch(url, opts);
		},
		eventSourceUrl: function (url) {
			if (!id()) {
				return url;
			}
			return url + (url.indexOf("?") < 0 ? "?" : "&") + "sessionId=" + encodeURIComponent(id());
		},
		forget: function () {
			kept = null;
			try {
				window.sessionStorage.removeItem(KEY);
			} catch (e) {
				/* nothing kept */
			}
		}
	};
}());
