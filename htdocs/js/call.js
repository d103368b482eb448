/*
 * call.js: audio and video calls between two participants of the room,
 * over WebRTC, signaled through the room's event stream
 * (window.Chats3Room of room.js): offer, answer, ice-candidate and
 * end-call events sent to the other participant alone (toUserId), each
 * with data.callId.
 *
 * A call starts with its offer (data.media "audio" or "video"), which the
 * callee sees as a ringing prompt; accepting answers it, declining (or a
 * busy callee, or no answer within RING_MS) sends end-call, and so does
 * hanging up. Negotiation is the W3C "perfect negotiation" pattern: the
 * participant with the smaller userId is the polite peer, who rolls back
 * its own offer when offers cross; the impolite one ignores the other's.
 * So when both call each other at once, the polite one takes over the
 * impolite one's callId and answers: one call.
 *
 * The STUN/TURN servers come from the page (data-ice-servers of #calls,
 * CHATS3_ICE_SERVERS). The call panel shows both videos, mute, camera and
 * hang up; its data-connection is the RTCPeerConnection's connectionState
 * and data-call-id the call's id.
 */
(function () {
	"use strict";
	var R = window.Chats3Room;
	var RING_MS = 45000;
	var ENDED = {
		hangup: "{name} hung up.",
		declined: "{name} declined the call.",
		busy: "{name} is in another call.",
		"no answer": "No answer from {name}.",
		unavailable: "{name} has no camera or microphone to answer with."
	};

	var box = document.getElementById("calls");
	var iceServers = parseIce(box.dataset.iceServers);
	var call = null; /* the one call: see newCall */
	var ui = build();

	function parseIce(text) {
		try {
			return JSON.parse(text || "[]");
		} catch (e) {
			return [];
		}
	}

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		Object.keys(attrs || {}).forEach(function (k) {
			e.setAttribute(k, attrs[k]);
		});
		if (text !== undefined) {
			e.textContent = text;
		}
		return e;
	}

	function button(id, text, cls) {
		return el("button", { type: "button", id: id, "class": cls || "" }, text);
	}

	/* the prompt, the panel and the status line, hidden until needed */
	function build() {
		var u = {
			peers: el("ul", { "class": "call-peers", "aria-label": "Call a participant" }),
			status: el("p", { id: "call-status", "class": "call-status", role: "status" }),
			prompt: el("div", { id: "call-incoming", "class": "call-incoming", role: "alertdialog",
				"aria-labelledby": "call-incoming-text" }),
			promptText: el("p", { id: "call-incoming-text" }),
			accept: button("call-accept", "Accept", "call-ok"),
			decline: button("call-decline", "Decline", "danger"),
			panel: el("section", { id: "call-panel", "class": "call-panel", "aria-labelledby": "call-title" }),
			title: el("h2", { id: "call-title", "class": "call-title" }),
			state: el("p", { id: "call-state", "class": "call-state", "aria-live": "polite" }),
			remote: el("video", { id: "call-remote", "class": "call-remote", autoplay: "", playsinline: "" }),
			local: el("video", { id: "call-local", "class": "call-local", autoplay: "", playsinline: "" }),
			mute: button("call-mute", "Mute"),
			camera: button("call-camera", "Camera off"),
			hangup: button("call-hangup", "Hang up", "danger")
		};
		var videos = el("div", { "class": "call-videos" });
		var controls = el("div", { "class": "call-controls", role: "group", "aria-label": "Call controls" });
		u.local.muted = true;
		u.remote.setAttribute("aria-label", "The other participant's video");
		u.local.setAttribute("aria-label", "Your video");
		u.mute.setAttribute("aria-pressed", "false");
		u.camera.setAttribute("aria-pressed", "false");
		u.prompt.append(u.promptText, u.accept, u.decline);
		videos.append(u.remote, u.local);
		controls.append(u.mute, u.camera, u.hangup);
		u.panel.append(u.title, u.state, videos, controls);
		u.prompt.hidden = u.panel.hidden = true;
		box.append(u.peers, u.status, u.prompt, u.panel);
		u.accept.addEventListener("click", accept);
		u.decline.addEventListener("click", function () {
			hangUp("declined");
		});
		u.hangup.addEventListener("click", function () {
			hangUp("hangup");
		});
		u.mute.addEventListener("click", function () {
			toggle(u.mute, "audio");
		});
		u.camera.addEventListener("click", function () {
			toggle(u.camera, "video");
		});
		u.prompt.addEventListener("keydown", function (e) {
			if (e.key === "Escape") {
				hangUp("declined");
			}
		});
		return u;
	}

	/* ---- the participants one can call ---- */

	function others() {
		var me = R.me();
		return R.people().filter(function (p) {
			return me && p.person.userId !== me.userId && p.online;
		});
	}

	function showPeers() {
		ui.peers.textContent = "";
		others().forEach(function (p) {
			var li = el("li", { "class": "call-peer" });
			var name = p.person.displayName;
			li.append(el("span", { "class": "call-peer-name" }, name),
				peerButton(p.person.userId, name, "audio", "Call"),
				peerButton(p.person.userId, name, "video", "Video"));
			ui.peers.appendChild(li);
		});
		box.hidden = ui.peers.childElementCount === 0 && !call;
	}

	function peerButton(userId, name, media, text) {
		var b = el("button", { type: "button", "class": "call-start",
			"aria-label": (media === "video" ? "Video call " : "Audio call ") + name,
			"data-user-id": userId, "data-media": media }, text);
		b.disabled = call !== null && !(call.state === "incoming" && call.peerId === userId);
		b.addEventListener("click", function () {
			startCall(userId, name, media);
		});
		return b;
	}

	function nameOf(userId) {
		var p = R.people().find(function (q) {
			return q.person.userId === userId;
		});
		return p ? p.person.displayName : "Someone";
	}

	/* ---- the call's state ---- */

	function newCall(peerId, callId, media, state) {
		var me = R.me();
		return {
			peerId: peerId, peerName: nameOf(peerId), callId: callId, media: media, state: state,
			polite: me.userId < peerId, pc: null, local: null, offer: null, candidates: [],
			makingOffer: false, ignoreOffer: false,
			ringTimer: window.setTimeout(function () {
				hangUp("no answer");
			}, RING_MS)
		};
	}

	/* sends an event of the call; one that fails ends the call, but for a
	 * candidate (others may do) */
	function send(type, data) {
		var c = call;
		var needed = type !== "ice-candidate";
		data.callId = c.callId;
		return R.post(type, c.peerId, data).then(function (r) {
			if (!r.ok && needed && c === call) {
				closeCall("The call could not go through: " + (r.message || "the server refused it") + ".");
			}
		}, function () {
			if (needed && c === call) {
				closeCall("The call could not go through: the server could not be reached.");
			}
		});
	}

	function setState(text) {
		ui.state.textContent = text;
	}

	function showPanel(text) {
		ui.title.textContent = (call.media === "video" ? "Video call with " : "Call with ") + call.peerName;
		ui.panel.dataset.callId = call.callId;
		ui.panel.dataset.connection = "new";
		ui.camera.hidden = call.media !== "video";
		ui.prompt.hidden = true;
		ui.panel.hidden = false;
		ui.status.textContent = "";
		document.body.classList.add("in-call");
		setState(text);
		ui.hangup.focus();
		showPeers();
	}

	function closeCall(text) {
		var c = call;
		if (!c) {
			return;
		}
		call = null;
		window.clearTimeout(c.ringTimer);
		if (c.pc) {
			c.pc.close();
		}
		if (c.local) {
			c.local.getTracks().forEach(function (t) {
				t.stop();
			});
		}
		ui.remote.srcObject = ui.local.srcObject = null;
		ui.prompt.hidden = ui.panel.hidden = true;
		delete ui.panel.dataset.callId;
		ui.panel.dataset.connection = "closed";
		[ui.mute, ui.camera].forEach(function (b) {
			b.setAttribute("aria-pressed", "false");
		});
		document.body.classList.remove("in-call");
		ui.status.textContent = text;
		showPeers();
		focusPeer(c.peerId);
	}

	function focusPeer(userId) {
		var b = ui.peers.querySelector("button[data-user-id='" + CSS.escape(userId) + "']");
		if (b) {
			b.focus();
		}
	}

	function hangUp(reason) {
		var said = {
			declined: "You declined the call from {name}.",
			"no answer": call && call.state === "incoming" ? "Missed call from {name}." :
				ENDED["no answer"]
		}[reason] || "Call ended.";
		if (call) {
			send("end-call", { reason: reason });
			closeCall(said.replace("{name}", call.peerName));
		}
	}

	function toggle(b, kind) {
		var off = b.getAttribute("aria-pressed") !== "true";
		b.setAttribute("aria-pressed", String(off));
		call.local.getTracks().forEach(function (t) {
			if (t.kind === kind) {
				t.enabled = !off;
			}
		});
	}

	/* ---- media and the connection ---- */

	function getMedia(c) {
		return navigator.mediaDevices.getUserMedia({ audio: true, video: c.media === "video" })
			.then(function (stream) {
				if (c !== call) {
					stream.getTracks().forEach(function (t) {
						t.stop();
					});
					throw new Error("the call is over");
				}
				c.local = stream;
				ui.local.srcObject = stream;
				return stream;
			});
	}

	function connection(c) {
		var pc = new RTCPeerConnection({ iceServers: iceServers });
		c.pc = pc;
		pc.onicecandidate = function (e) {
			if (e.candidate && c === call) {
				send("ice-candidate", { candidate: e.candidate.toJSON() });
			}
		};
		pc.ontrack = function (e) {
			if (ui.remote.srcObject !== e.streams[0]) {
				ui.remote.srcObject = e.streams[0];
			}
		};
		pc.onnegotiationneeded = function () {
			c.makingOffer = true;
			pc.setLocalDescription().then(function () {
				return send("offer", { media: c.media, description: pc.localDescription });
			}).catch(function (err) {
				failed(c, err);
			}).finally(function () {
				c.makingOffer = false;
			});
		};
		pc.onconnectionstatechange = function () {
			if (c !== call) {
				return;
			}
			ui.panel.dataset.connection = pc.connectionState;
			if (pc.connectionState === "connected") {
				setState("Connected");
			} else if (pc.connectionState === "failed") {
				setState("The connection failed: the two of you cannot reach each other directly" +
					(iceServers.length ? "." : " (no TURN server is configured)."));
			} else if (pc.connectionState === "disconnected") {
				setState("Reconnecting…");
			}
		};
		return pc;
	}

	function addTracks(c) {
		c.local.getTracks().forEach(function (t) {
			c.pc.addTrack(t, c.local);
		});
	}

	function failed(c, err) {
		if (c === call) {
			setState("Call trouble: " + (err && err.message ? err.message : String(err)));
		}
	}

	/* candidates that came before the remote description */
	function flushCandidates(c) {
		var waiting = c.candidates;
		c.candidates = [];
		waiting.forEach(function (cand) {
			addCandidate(c, cand);
		});
	}

	function addCandidate(c, cand) {
		c.pc.addIceCandidate(cand).catch(function () {
			return null; /* one of an offer rolled back or ignored */
		});
	}

	/* the callee's side, once its media is there: c.offer answered */
	function answer(c) {
		var pc = connection(c);
		return pc.setRemoteDescription(c.offer).then(function () {
			addTracks(c);
			flushCandidates(c);
			return pc.setLocalDescription();
		}).then(function () {
			return send("answer", { description: pc.localDescription });
		});
	}

	function startCall(userId, name, media) {
		if (call && call.state === "incoming" && call.peerId === userId) {
			return accept();
		}
		if (call) {
			return;
		}
		call = newCall(userId, uuid(), media, "outgoing");
		var c = call;
		showPanel("Calling " + name + "…");
		getMedia(c).then(function () {
			if (c.offer) { /* the other one called too, before our offer left */
				return answer(c);
			}
			connection(c);
			addTracks(c); /* negotiationneeded sends the offer */
		}).catch(function (err) {
			unavailable(c, err);
		});
	}

	function accept() {
		var c = call;
		if (!c || c.state !== "incoming") {
			return;
		}
		c.state = "active";
		window.clearTimeout(c.ringTimer);
		showPanel("Connecting…");
		getMedia(c).then(function () {
			return answer(c);
		}).catch(function (err) {
			unavailable(c, err);
		});
	}

	function unavailable(c, err) {
		if (c !== call) {
			return;
		}
		if (c.pc || c.state === "active") {
			send("end-call", { reason: "unavailable" });
		}
		closeCall("No call: the camera or microphone could not be used (" +
			(err && err.message ? err.message : String(err)) + ").");
	}

	/* ---- signaling events from the other participant ---- */

	function ringing(ev) {
		var d = ev.data;
		call = newCall(ev.fromUserId, d.callId, d.media === "video" ? "video" : "audio", "incoming");
		call.offer = d.description;
		ui.promptText.textContent = call.peerName + " is calling you" +
			(call.media === "video" ? " (video)." : " (audio).");
		ui.prompt.hidden = false;
		box.hidden = false;
		ui.status.textContent = "";
		showPeers();
		ui.accept.focus();
	}

	function onOffer(ev) {
		var d = ev.data || {};
		if (!d.callId || !d.description) {
			return;
		}
		if (!call) {
			return ringing(ev);
		}
		if (call.peerId !== ev.fromUserId) {
			return R.post("end-call", ev.fromUserId, { callId: d.callId, reason: "busy" });
		}
		if (!call.pc) { /* ringing still, or our media not there yet: we answer this one */
			call.callId = d.callId;
			call.offer = d.description;
			return;
		}
		negotiate(call, d);
	}

	/* perfect negotiation, the offer side */
	function negotiate(c, d) {
		var pc = c.pc;
		var collision = c.makingOffer || pc.signalingState !== "stable";
		c.ignoreOffer = !c.polite && collision;
		if (c.ignoreOffer) {
			return;
		}
		c.callId = d.callId; /* the polite one takes over the other's call when both called */
		c.state = "active";
		window.clearTimeout(c.ringTimer);
		ui.panel.dataset.callId = c.callId;
		pc.setRemoteDescription(d.description).then(function () {
			flushCandidates(c);
			return pc.setLocalDescription();
		}).then(function () {
			return send("answer", { description: pc.localDescription });
		}).catch(function (err) {
			failed(c, err);
		});
	}

	function ours(ev) {
		var d = ev.data || {};
		return call && call.peerId === ev.fromUserId && d.callId === call.callId;
	}

	function onAnswer(ev) {
		var c = call;
		if (!ours(ev) || !c.pc || c.pc.signalingState !== "have-local-offer") {
			return;
		}
		c.state = "active";
		window.clearTimeout(c.ringTimer);
		setState("Connecting…");
		c.pc.setRemoteDescription(ev.data.description).then(function () {
			flushCandidates(c);
		}).catch(function (err) {
			failed(c, err);
		});
	}

	function onCandidate(ev) {
		var d = ev.data || {};
		if (!call || call.peerId !== ev.fromUserId || !d.candidate) {
			return;
		}
		if (call.pc && call.pc.remoteDescription) {
			addCandidate(call, d.candidate);
		} else {
			call.candidates.push(d.candidate);
		}
	}

	function onEnd(ev) {
		var reason = ENDED[(ev.data || {}).reason] || ENDED.hangup;
		if (ours(ev)) {
			closeCall(call.state === "incoming" ? "Missed call from " + call.peerName + "." :
				reason.replace("{name}", call.peerName));
		}
	}

	function onPeople() {
		if (call && !R.people().some(function (p) {
			return p.person.userId === call.peerId;
		})) {
			closeCall(call.peerName + " left.");
		}
		showPeers();
	}

	function uuid() {
		var b = new Uint8Array(16);
		window.crypto.getRandomValues(b);
		return Array.from(b, function (x) {
			return (x + 0x100).toString(16).slice(1);
		}).join("");
	}

	R.on("offer", onOffer);
	R.on("answer", onAnswer);
	R.on("ice-candidate", onCandidate);
	R.on("end-call", onEnd);
	R.on("people", onPeople);
	R.on("ended", function () {
		closeCall("Call ended.");
	});
	window.addEventListener("pagehide", function () {
		hangUp("hangup");
	});
	box.hidden = true;
}());
