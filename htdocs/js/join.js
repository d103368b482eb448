/*
 * join.js: the join form (/join). Posts conversationId, joinCode and
 * displayName to POST /api/v1/join and goes to the room; the session comes
 * back as the cookie. A refusal is shown by its field (400's details, 409
 * on the name) or above the button (403, 410, 429, a server down), as the
 * server words it.
 */
(function () {
	"use strict";
	var FIELDS = ["conversationId", "joinCode", "displayName"];
	var form = document.getElementById("join-form");
	var formError = document.getElementById("form-error");
	var button = document.getElementById("join-button");

	function fieldError(name, text) {
		var input = document.getElementById(name);
		var out = document.getElementById(name + "-error");
		out.textContent = text;
		if (text) {
			input.setAttribute("aria-invalid", "true");
		} else {
			input.removeAttribute("aria-invalid");
		}
	}

	function clearErrors() {
		FIELDS.forEach(function (name) {
			fieldError(name, "");
		});
		formError.textContent = "";
	}

	/* the first field at fault takes the focus */
	function showRefusal(status, doc) {
		var details = (doc && doc.details) || [];
		var first = null;
		details.forEach(function (d) {
			if (FIELDS.indexOf(d.field) >= 0) {
				fieldError(d.field, d.message);
				first = first || d.field;
			}
		});
		if (status === 409) {
			fieldError("displayName", (doc && doc.message) || "This name is taken here.");
			first = "displayName";
		}
		if (!first) {
			formError.textContent = (doc && doc.message) ||
				"The server could not be reached (" + status + "). Please try again.";
			return;
		}
		document.getElementById(first).focus();
	}

	function missing(values) {
		var first = null;
		FIELDS.forEach(function (name) {
			if (!values[name].trim()) {
				fieldError(name, "Required.");
				first = first || name;
			}
		});
		if (first) {
			document.getElementById(first).focus();
		}
		return first !== null;
	}

	function join(values) {
		button.disabled = true;
		button.textContent = "Joining…";
		return window.fetch("/api/v1/join", {
			method: "POST",
			credentials: "same-origin",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify(values)
		}).then(function (res) {
			return res.json().catch(function () {
				return null;
			}).then(function (doc) {
				if (res.status === 201 && doc && doc.data) {
					window.Chats3Session.forget();
					window.location.assign("/room/" +
						encodeURIComponent(doc.data.session.conversationId));
					return;
				}
				showRefusal(res.status, doc);
			});
		}, function () {
			formError.textContent = "The server could not be reached. Check your connection and try again.";
		}).then(function () {
			button.disabled = false;
			button.textContent = "Join";
		});
	}

	form.addEventListener("submit", function (e) {
		var values = {};
		e.preventDefault();
		clearErrors();
		FIELDS.forEach(function (name) {
			values[name] = document.getElementById(name).value;
		});
		values.displayName = values.displayName.trim();
		values.conversationId = values.conversationId.trim();
		if (!missing(values)) {
			join(values);
		}
	});
	(FIELDS.map(function (name) {
		return document.getElementById(name);
	}).filter(function (input) {
		return !input.value;
	})[0] || button).focus();
}());
