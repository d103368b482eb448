/*
 * room-files.js: sending a file in the room. The Attach button's picker or
 * a file dropped anywhere on the room goes to POST /api/v1/attachments
 * (multipart, the part "file") by XMLHttpRequest, whose upload progress
 * fills the bar above the composer; the request has what the room's fetch
 * has (same-origin credentials, x-session-id when the session came from the
 * fragment) and an Idempotency-Key. A failure is shown with the server's
 * sentence (413: the limit, from the composer's data-max-upload-bytes);
 * Retry sends the same file with the same key, so the server stores it
 * once. The file message itself comes like any other, from the stream.
 * One upload at a time.
 */
(function () {
	"use strict";
	var S = window.Chats3Session;
	var R = window.Chats3Room;
	var $ = function (id) {
		return document.getElementById(id);
	};
	var current = null; /* {file, key, xhr} of the upload shown */

	function limitText() {
		var bytes = Number($("composer").dataset.maxUploadBytes);
		return bytes >= 1024 * 1024 ? Math.floor(bytes / (1024 * 1024)) + " MB" :
			Math.floor(bytes / 1024) + " KB";
	}

	function show(name, error) {
		var failed = error !== "";
		$("upload").hidden = false;
		$("upload-name").textContent = (failed ? "Not sent: " : "Sending ") + name;
		$("upload-error").textContent = error;
		$("upload-retry").hidden = !failed;
		$("upload-dismiss").hidden = !failed;
		$("upload-progress").hidden = failed;
	}

	function hide() {
		current = null;
		$("upload").hidden = true;
		$("upload-progress").value = 0;
	}

	/* what went wrong, for people */
	function why(xhr) {
		var doc = null;
		if (xhr.status === 413) {
			return "The file is larger than the limit of " + limitText() + ".";
		}
		if (xhr.status === 0) {
			return "The server could not be reached.";
		}
		try {
			doc = JSON.parse(xhr.responseText);
		} catch (e) {
			doc = null;
		}
		return (doc && doc.message) || "The server refused the file (" + xhr.status + ").";
	}

	function done(up) {
		if (up !== current) {
			return;
		}
		if (up.xhr.status === 200 || up.xhr.status === 201) {
			hide();
			return;
		}
		show(up.file.name, why(up.xhr));
	}

	function send(up) {
		var form = new FormData();
		var xhr = new XMLHttpRequest();
		form.append("file", up.file, up.file.name);
		xhr.open("POST", "/api/v1/attachments");
		xhr.setRequestHeader("Idempotency-Key", up.key);
		if (S.id()) {
			xhr.setRequestHeader("x-session-id", S.id());
		}
		xhr.upload.addEventListener("progress", function (e) {
			if (e.lengthComputable && up === current) {
				$("upload-progress").value = e.loaded / e.total;
			}
		});
		xhr.addEventListener("loadend", function () {
			done(up);
		});
		up.xhr = xhr;
		$("upload-progress").value = 0;
		show(up.file.name, "");
		xhr.send(form);
	}

	function upload(file) {
		if (!file || current || $("message-input").disabled) {
			return;
		}
		current = { file: file, key: R.uuid(), xhr: null };
		send(current);
	}

	function dropping(on) {
		document.querySelector(".room").classList.toggle("dropping", on);
	}

	function hasFiles(e) {
		return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0;
	}

	function wire() {
		var roomEl = document.querySelector(".room");
		$("file-button").addEventListener("click", function () {
			$("file-input").click();
		});
		$("file-input").addEventListener("change", function () {
			upload($("file-input").files[0]);
			$("file-input").value = "";
		});
		$("upload-retry").addEventListener("click", function () {
			send(current);
		});
		$("upload-dismiss").addEventListener("click", hide);
		roomEl.addEventListener("dragover", function (e) {
			if (hasFiles(e)) {
				e.preventDefault();
				dropping(true);
			}
		});
		roomEl.addEventListener("dragleave", function (e) {
			if (!roomEl.contains(e.relatedTarget)) {
				dropping(false);
			}
		});
		roomEl.addEventListener("drop", function (e) {
			if (hasFiles(e)) {
				e.preventDefault();
				dropping(false);
				upload(e.dataTransfer.files[0]);
			}
		});
		R.on("ended", function () {
			$("file-button").disabled = true;
		});
	}

	wire();
}());
