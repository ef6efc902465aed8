// The join page: a device of the device protocol (docs/device-protocol.md) in a browser.
// It joins as a guest (room code, password, name) or as a member (the link's ticket),
// reports its microphone and camera, obeys what the server pushes, resumes after a lost
// connection and leaves cleanly. It carries no media.

const root = document.getElementById("join");
const roomCode = root.dataset.roomCode;
const storeKey = `confplane.device.${roomCode}`;
const ticket = new URLSearchParams(location.search).get("ticket");
const $ = (id) => document.getElementById(id);

const OPEN = 2;
const CLOSED = 1;
// Closes after which the device may come back with `resume` (a lost connection).
const RESUMABLE = new Set([1001, 1006, 1009, 1011, 1012, 1013, 4408, 4429, 4508]);
const MESSAGES = {
  wrong_password: "Wrong meeting password, or no meeting has this room code. Check both and try again.",
  conference_locked: "The meeting is locked: the host is not letting anyone in right now.",
  conference_ended: "This meeting has ended.",
  rejoin_forbidden: "The host removed you from this meeting and you may not rejoin it.",
  internal_only: "This meeting admits only members of its own organisation.",
  conference_full: "The meeting is full.",
  rate_limited: "Too many wrong passwords from here for this meeting: wait a few minutes and try again.",
  ticket_expired: "This personal join link has expired: ask for a new one.",
  invalid_ticket: "This join link is not valid.",
  ticket_other_meeting: "This join link is for another meeting.",
  unknown_user: "The person this link was made for no longer exists.",
  conference_not_found: "This meeting no longer exists.",
  resume_expired: "You were disconnected for too long and have left the meeting. Join again to come back.",
};
const HELD = {
  host: "The host muted you: you cannot unmute yourself until the host unmutes you.",
  all: "The host muted everyone and keeps microphones closed until mute-all is lifted.",
  unmute_forbidden: "The host does not let attendees unmute themselves in this meeting.",
};

let socket = null;
let me = null; // the `joined` frame
let lastSeq = 0;
let mic = OPEN;
let camera = OPEN;
let held = null; // why the microphone is held closed, a key of HELD
let leaving = false;
let over = false;
let lastError = null;
let heartbeat = null;
let rosterTimer = null;
let revision = null;
let lostSince = null;
let ref = 0;

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(storeKey) || "null");
  } catch {
    return null;
  }
}

function save() {
  if (me) {
    sessionStorage.setItem(
      storeKey,
      JSON.stringify({ participantId: me.participantId, resumeToken: me.resumeToken, lastSeq }),
    );
  }
}

function forget() {
  sessionStorage.removeItem(storeKey);
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

function connect(firstFrame) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(`${scheme}${location.host}/confplane/v1/devices/ws`);
  socket = ws;
  lastError = null;
  ws.onopen = () => ws.send(JSON.stringify(firstFrame()));
  ws.onmessage = (event) => {
    if (ws !== socket) return;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    onFrame(frame);
  };
  ws.onclose = (event) => {
    if (ws !== socket) return;
    onClose(event.code, event.reason);
  };
}

// -- what the server says ------------------------------------------------------------

function onFrame(frame) {
  switch (frame.type) {
    case "joined":
      return onJoined(frame);
    case "command":
      if (frame.seq > lastSeq) lastSeq = frame.seq;
      save();
      return onCommand(frame.kind, frame.data || {});
    case "ack":
      mic = frame.mic ?? mic;
      camera = frame.camera ?? camera;
      return render();
    case "correction":
      // What the server refused last, for whoever inspects the page.
      root.dataset.correction = frame.reason;
      mic = frame.mic;
      camera = frame.camera;
      if (frame.reason === "host_muted") held = held === "all" ? "all" : "host";
      else if (frame.reason === "unmute_forbidden") held = "unmute_forbidden";
      return render();
    case "error":
      lastError = frame;
      if (!frame.close && me) notice(frame.message);
      return undefined;
    default:
      return undefined;
  }
}

function onJoined(frame) {
  const resumed = Boolean(frame.resumed);
  me = frame;
  if (!resumed) lastSeq = frame.seq;
  mic = frame.mic;
  camera = frame.camera;
  if (frame.hostMuted) held = held || "host";
  else if (!resumed) held = null;
  lostSince = null;
  save();
  root.dataset.participantId = frame.participantId;
  $("join-forms").hidden = true;
  $("in-meeting").hidden = false;
  $("connection").textContent = resumed
    ? `Reconnected as ${frame.nick}.`
    : `You are in the meeting as ${frame.nick}.`;
  root.dataset.connection = "connected";
  clearInterval(heartbeat);
  heartbeat = setInterval(() => send({ type: "ping" }), Math.max(1000, (frame.heartbeatS * 1000) / 3));
  if (frame.locked) $("meeting-state").textContent = "The meeting is locked: no one new may join now.";
  render();
  startRoster();
}

function onCommand(kind, data) {
  switch (kind) {
    case "mute":
      mic = CLOSED;
      if (data.all) {
        if (data.force) held = "all";
        notice(data.force ? HELD.all : "The host muted everyone; you may unmute yourself.");
      } else {
        held = "host";
        notice("The host muted your microphone.");
      }
      break;
    case "unmute":
      held = null;
      mic = OPEN;
      send({ type: "state", mic: OPEN, ref: ++ref });
      notice("The host unmuted your microphone.");
      break;
    case "mute_lifted":
      if (held === "all") held = null;
      notice("The host lifted mute-all: you may unmute yourself.");
      break;
    case "kicked":
      end(
        "You were removed from the meeting",
        data.forbiddenRejoin
          ? "The host removed you from the meeting. You may not rejoin it."
          : "The host removed you from the meeting.",
      );
      return;
    case "closed":
      end("The meeting is over", `The meeting was closed: ${data.reason || "by the host"}.`);
      return;
    case "locked":
      $("meeting-state").textContent = "The host locked the meeting: no one new may join now.";
      break;
    case "unlocked":
      $("meeting-state").textContent = "The meeting is open again.";
      break;
    case "settings_changed":
      if (data.allowUnmuteSelf === true && held === "unmute_forbidden") held = null;
      break;
    case "role_changed":
      if (me && data.unionId === me.unionId) {
        me.host = data.host;
        me.coHost = data.coHost;
        notice(data.coHost ? "You are now a co-host." : data.host ? "You are now the host." : "You are no longer a co-host.");
      }
      break;
    default:
      break;
  }
  render();
  refreshRoster();
}

function onClose(code, reason) {
  clearInterval(heartbeat);
  if (over) return;
  if (leaving) {
    forget();
    end("You left the meeting", "You left the meeting. You can close this page.");
    return;
  }
  const error = lastError && lastError.code;
  if (me && (RESUMABLE.has(code) || (!lastError && code !== 4409))) {
    lostSince = lostSince || Date.now();
    if (Date.now() - lostSince < me.graceS * 1000) {
      root.dataset.connection = "reconnecting";
      $("connection").textContent = "Connection lost: reconnecting…";
      const wait = Math.min(4000, 250 + (Date.now() - lostSince) / 2);
      setTimeout(resume, wait);
      return;
    }
  }
  if (code === 4409) {
    end("You continued elsewhere", "This meeting continued in another window or tab.");
    return;
  }
  const message = MESSAGES[error] || (lastError && lastError.message) || reason || `Disconnected (${code}).`;
  if (me) {
    forget();
    end("You are out of the meeting", message);
    return;
  }
  // Not in yet (or a reload that could not resume): say why, and let the person try again.
  forget();
  $("in-meeting").hidden = true;
  $("join-forms").hidden = false;
  if (root.dataset.conferenceId) $("member-form").hidden = false;
  $("join-error").textContent = message;
  setForms(false);
}

function resume() {
  const record = saved();
  if (!record) return;
  connect(() => ({
    type: "resume",
    participantId: record.participantId,
    resumeToken: record.resumeToken,
    lastSeq: record.lastSeq,
    v: 1,
  }));
}

function end(title, reason) {
  over = true;
  forget();
  clearInterval(heartbeat);
  clearInterval(rosterTimer);
  root.dataset.connection = "ended";
  $("join-forms").hidden = true;
  $("in-meeting").hidden = true;
  $("ended").hidden = false;
  $("ended-title").textContent = title;
  $("ended-reason").textContent = reason;
  if (socket && socket.readyState === WebSocket.OPEN) socket.close(1000);
}

// -- what the person does ------------------------------------------------------------

function notice(text) {
  $("notice").textContent = text;
}

function render() {
  const micButton = $("mic");
  micButton.setAttribute("aria-pressed", String(mic === OPEN));
  micButton.textContent = mic === OPEN ? "Microphone on" : "Microphone off";
  micButton.setAttribute("aria-disabled", String(mic !== OPEN && held !== null));
  $("mic-note").textContent = mic !== OPEN && held ? HELD[held] : "";
  const cameraButton = $("camera");
  cameraButton.setAttribute("aria-pressed", String(camera === OPEN));
  cameraButton.textContent = camera === OPEN ? "Camera on" : "Camera off";
}

$("mic").addEventListener("click", () => {
  // The server decides: a held microphone's request to open comes back as a correction.
  send({ type: "state", mic: mic === OPEN ? CLOSED : OPEN, ref: ++ref });
});
$("camera").addEventListener("click", () => {
  send({ type: "state", camera: camera === OPEN ? CLOSED : OPEN, ref: ++ref });
});
$("leave").addEventListener("click", () => {
  leaving = true;
  send({ type: "leave" });
});

function setForms(busy) {
  for (const id of ["guest-join", "member-join"]) $(id).disabled = busy;
}

function media(prefix) {
  return { mic: $(`${prefix}-mic`).checked ? OPEN : CLOSED, camera: $(`${prefix}-camera`).checked ? OPEN : CLOSED };
}

$("guest-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("join-error").textContent = "";
  setForms(true);
  const nick = $("guest-name").value.trim();
  const password = $("guest-password").value.trim();
  connect(() => ({ type: "join", roomCode, password, nick, ...media("guest"), v: 1 }));
});

$("member-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("join-error").textContent = "";
  setForms(true);
  const conferenceId = root.dataset.conferenceId;
  connect(() => ({ type: "join", conferenceId, ticket, ...media("member"), v: 1 }));
});

// -- the roster ----------------------------------------------------------------------

function startRoster() {
  clearInterval(rosterTimer);
  revision = null;
  refreshRoster();
  rosterTimer = setInterval(refreshRoster, 2000);
}

async function refreshRoster() {
  if (!me || over) return;
  let answer;
  try {
    answer = await fetch(`/j/${encodeURIComponent(roomCode)}/roster`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ participantId: me.participantId, resumeToken: me.resumeToken, revision }),
    });
  } catch {
    return; // offline: the next turn tries again
  }
  if (!answer.ok) return;
  const body = await answer.json();
  if (body.unchanged) return;
  revision = body.revision;
  showRoster(body.members.filter((m) => m.attendStatus === 3));
}

function badge(text, kind) {
  const span = document.createElement("span");
  span.className = `badge ${kind}`;
  span.textContent = text;
  return span;
}

function showRoster(members) {
  const list = $("roster");
  list.replaceChildren(
    ...members.map((m) => {
      const li = document.createElement("li");
      li.dataset.unionId = m.unionId;
      const name = document.createElement("strong");
      name.textContent = m.nick + (me && m.unionId === me.unionId ? " (you)" : "");
      li.append(name);
      if (m.host) li.append(badge("host", "role"));
      if (m.coHost) li.append(badge("co-host", "role"));
      if (m.outerOrg) li.append(badge("guest or other org", "off"));
      li.append(badge(m.micStatus === OPEN ? "mic on" : "mic off", m.micStatus === OPEN ? "on" : "off"));
      li.append(badge(m.cameraStatus === OPEN ? "camera on" : "camera off", m.cameraStatus === OPEN ? "on" : "off"));
      return li;
    }),
  );
  $("roster-title").textContent = `In the meeting (${members.length})`;
}

// -- start ---------------------------------------------------------------------------

if (root.dataset.state === "ended") {
  $("join-forms").hidden = true;
} else if (saved()) {
  // A reload, or a page that lost its tab's connection: come back as the same device.
  $("join-forms").hidden = true;
  $("in-meeting").hidden = false;
  $("connection").textContent = "Reconnecting…";
  lastSeq = saved().lastSeq;
  resume();
} else if (root.dataset.conferenceId) {
  $("member-form").hidden = false;
}
render();
