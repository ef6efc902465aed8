// The console: signs in once for a session cookie, then reads and acts through
// /console/api/... with the session's CSRF token on every change. Views follow the
// location's hash; live ones ask again every POLL_MS.

const POLL_MS = 1500;
const OPEN = 2;
const ATTEND = { 1: "invited", 2: "being called", 3: "in the meeting", 4: "declined", 5: "removed", 6: "left" };
const $ = (id) => document.getElementById(id);

let csrf = null;
let emulator = false;
let timer = null;
let generation = 0; // a view's polls stop when another view starts

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
  }
}

async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrf || "";
  const answer = await fetch(`/console/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await answer.json().catch(() => null);
  if (!answer.ok) {
    if (data && data.code === "InvalidAuthentication") showSignIn();
    throw new ApiError(answer.status, data);
  }
  return data;
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function flash(text, error = false) {
  const box = $("flash");
  box.textContent = text;
  box.className = error ? "error" : "";
}

// Runs a change; says what happened or why it was refused.
async function act(label, method, path, body) {
  try {
    const answer = await api(method, path, body);
    flash(`${label}: done.`);
    return answer;
  } catch (err) {
    flash(`${label}: ${err.message}`, true);
    return null;
  }
}

function poll(fn) {
  const mine = generation;
  const turn = async () => {
    if (mine !== generation) return;
    try {
      await fn();
    } catch (err) {
      if (err.status !== 400 || err.code !== "InvalidAuthentication") flash(err.message, true);
    }
    if (mine === generation) timer = setTimeout(turn, POLL_MS);
  };
  turn();
}

// -- signing in ----------------------------------------------------------------------

function showSignIn() {
  generation += 1;
  clearTimeout(timer);
  csrf = null;
  $("nav").hidden = true;
  $("view").hidden = true;
  $("sign-in").hidden = false;
  $("admin-token").focus();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  try {
    const session = await api("POST", "/session", { token: $("admin-token").value });
    $("admin-token").value = "";
    started(session);
  } catch (err) {
    $("sign-in-error").textContent = `Sign-in refused: ${err.message}`;
  }
});

$("sign-out").addEventListener("click", async () => {
  await act("Sign out", "DELETE", "/session");
  showSignIn();
});

function started(session) {
  csrf = session.csrfToken;
  emulator = session.emulator;
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("nav-emulator").hidden = !emulator;
  $("view").hidden = false;
  route();
}

// -- views ---------------------------------------------------------------------------

function show(title, ...content) {
  const view = $("view");
  view.replaceChildren(h("h2", { id: "view-title", tabindex: "-1" }, title), ...content);
  view.setAttribute("aria-labelledby", "view-title");
}

function route() {
  if (!csrf) return;
  generation += 1;
  clearTimeout(timer);
  flash("");
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const name = parts[0] || "meetings";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (name === "meetings" && parts[1]) return meetingView(parts[1]);
  if (name === "orgs" && parts[1]) return orgView(parts[1]);
  if (name === "orgs") return orgsView();
  if (name === "events") return eventsView();
  if (name === "emulator" && emulator) return emulatorView();
  return meetingsView();
}
window.addEventListener("hashchange", route);

function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}` }, text);
}

function media(value, word) {
  return badge(`${word} ${value === OPEN ? "on" : "off"}`, value === OPEN ? "on" : "off");
}

function when(ms) {
  return new Date(ms).toLocaleString();
}

// The live meetings of every org.
function meetingsView() {
  const body = h("tbody", { id: "meetings-body" });
  show(
    "Live meetings",
    h("p", { class: "note" }, "Meetings in progress in every org; this list updates by itself."),
    h(
      "table",
      { "aria-describedby": "view-title" },
      h("thead", {}, h("tr", {}, ["Title", "Org", "Room code", "Members", "State", "Started"].map((t) => h("th", { scope: "col" }, t)))),
      body,
    ),
  );
  poll(async () => {
    const { items } = await api("GET", "/meetings");
    body.replaceChildren(
      ...(items.length
        ? items.map((m) =>
            h(
              "tr",
              { dataset: { conferenceId: m.conferenceId } },
              h("td", {}, h("a", { href: `#/meetings/${encodeURIComponent(m.conferenceId)}` }, m.title)),
              h("td", {}, `${m.orgName} (${m.corpId})`),
              h("td", { class: "mono" }, m.roomCode),
              h("td", {}, String(m.memberCount)),
              h("td", {}, m.locked ? badge("locked", "held") : "", m.muteAll ? badge("mute-all", "held") : ""),
              h("td", {}, when(m.createdAt)),
            ),
          )
        : [h("tr", {}, h("td", { colspan: 6 }, "No meeting is in progress."))]),
    );
  });
}

// One meeting: its roster, following joins and leaves, and every action on it.
function meetingView(conferenceId) {
  const base = `/meetings/${encodeURIComponent(conferenceId)}`;
  const head = h("div", { id: "meeting-head" });
  const tools = h("div", { class: "toolbar", id: "meeting-tools" });
  const linkOut = h("p", { id: "member-link", class: "secret", hidden: true });
  const unionInput = h("select", { id: "link-union-id" });
  const rosterBody = h("tbody", { id: "roster-body" });
  const count = h("span", { id: "roster-count" });
  let revision = null;
  let meeting = null;
  let orgUsers = null;

  const refresh = async () => {
    const query = revision === null ? "" : `?revision=${revision}`;
    const answer = await api("GET", base + query);
    if (answer.unchanged) return;
    meeting = answer;
    revision = answer.revision;
    if (orgUsers === null) orgUsers = (await api("GET", `/orgs/${encodeURIComponent(answer.corpId)}/users`)).items;
    draw();
  };
  const run = async (label, path, body) => {
    await act(label, "POST", base + path, body);
    revision = null;
    await refresh().catch(() => {});
  };

  const draw = () => {
    const m = meeting;
    const ended = m.status === 1;
    head.replaceChildren(
      h("p", {}, `Org ${m.corpId} · room code `, h("span", { class: "mono" }, m.roomCode), " · ",
        ended ? badge("ended", "off") : badge("in progress", "on"), " ",
        m.locked ? badge("locked", "held") : "", m.muteAll ? badge("mute-all", "held") : "",
        m.allowUnmuteSelf ? "" : badge("self-unmute off", "held")),
      h("p", {}, "Join page: ", h("a", { href: m.joinUrl, id: "join-url", target: "_blank", rel: "noopener" }, m.joinUrl)),
    );
    $("view-title").textContent = m.title;
    tools.replaceChildren(
      ...(ended
        ? [h("p", {}, "This meeting has ended.")]
        : [
            m.locked
              ? h("button", { type: "button", id: "unlock", onclick: () => run("Unlock", "/lock", { action: "unlock" }) }, "Unlock")
              : h("button", { type: "button", id: "lock", onclick: () => run("Lock", "/lock", { action: "lock" }) }, "Lock"),
            h("button", { type: "button", id: "mute-all", onclick: () => run("Mute all", "/mute-all", { action: "mute", force: false }) }, "Mute all"),
            h("button", { type: "button", id: "mute-all-hold", onclick: () => run("Mute all and hold", "/mute-all", { action: "mute", force: true }) }, "Mute all and hold"),
            h("button", { type: "button", id: "lift-mute-all", class: "secondary", onclick: () => run("Lift mute-all", "/mute-all", { action: "unmute" }) }, "Lift mute-all"),
            h("button", {
              type: "button",
              id: "close-meeting",
              class: "danger",
              onclick: () => {
                if (confirm(`Close "${m.title}" for everyone?`)) run("Close the meeting", "/close", {});
              },
            }, "Close the meeting"),
          ]),
    );
    const chosen = unionInput.value;
    // Anyone a ticket may be made for: the org's users, and the meeting's other members.
    const people = new Map(orgUsers.map((u) => [u.unionId, u.nick]));
    for (const x of m.members) if (!people.has(x.unionId)) people.set(x.unionId, x.nick);
    unionInput.replaceChildren(...[...people].map(([id, nick]) => h("option", { value: id }, `${nick} (${id})`)));
    if (chosen) unionInput.value = chosen;
    const present = m.members.filter((x) => x.attendStatus === 3);
    count.textContent = `${present.length} in the meeting, ${m.members.length} members${m.truncated ? " (first ones shown)" : ""}`;
    rosterBody.replaceChildren(...m.members.map((x) => memberRow(x, ended)));
  };

  const memberRow = (x, ended) => {
    const held = x.devices.some((d) => d.hostMuted);
    const target = { unionId: x.unionId };
    const actions = ended || x.attendStatus !== 3
      ? []
      : [
          x.micStatus === OPEN || !held
            ? h("button", { type: "button", "data-action": "mute", onclick: () => run(`Mute ${x.nick}`, "/mute", { action: "mute", ...target }) }, "Mute")
            : h("button", { type: "button", "data-action": "unmute", onclick: () => run(`Unmute ${x.nick}`, "/mute", { action: "un_mute", ...target }) }, "Unmute"),
          x.host ? null : x.coHost
            ? h("button", { type: "button", class: "secondary", "data-action": "remove-cohost", onclick: () => run(`Remove co-host ${x.nick}`, "/cohosts", { action: "remove", ...target }) }, "Remove co-host")
            : h("button", { type: "button", class: "secondary", "data-action": "add-cohost", onclick: () => run(`Make ${x.nick} co-host`, "/cohosts", { action: "add", ...target }) }, "Make co-host"),
          h("button", { type: "button", class: "danger", "data-action": "kick", onclick: () => run(`Remove ${x.nick}`, "/kick", { ...target, forbiddenRejoin: false }) }, "Remove"),
          h("button", { type: "button", class: "danger", "data-action": "kick-forbid", onclick: () => run(`Remove ${x.nick} for good`, "/kick", { ...target, forbiddenRejoin: true }) }, "Remove, no rejoin"),
        ];
    const devices = x.devices.map((d) =>
      h("div", { class: "devices", dataset: { participantId: d.participantId } },
        h("span", { class: "mono" }, d.participantId), " ", media(d.micStatus, "mic"), " ", media(d.cameraStatus, "camera"),
        d.hostMuted ? badge("held by host", "held") : "", " ",
        ended ? "" : d.hostMuted
          ? h("button", { type: "button", class: "secondary", "data-action": "unmute-device", onclick: () => run("Unmute device", "/mute", { action: "un_mute", ...target, participantId: d.participantId }) }, "Unmute device")
          : h("button", { type: "button", class: "secondary", "data-action": "mute-device", onclick: () => run("Mute device", "/mute", { action: "mute", ...target, participantId: d.participantId }) }, "Mute device"),
        ended ? "" : h("button", { type: "button", class: "secondary", "data-action": "kick-device", onclick: () => run("Remove device", "/kick", { ...target, participantId: d.participantId }) }, "Remove device"),
      ),
    );
    return h(
      "tr",
      { dataset: { unionId: x.unionId, attend: String(x.attendStatus) } },
      h("td", {}, h("strong", {}, x.nick), h("div", { class: "devices mono" }, x.unionId)),
      h("td", {}, ATTEND[x.attendStatus] || String(x.attendStatus)),
      h("td", {}, x.host ? badge("host", "role") : "", x.coHost ? badge("co-host", "role") : "", x.outerOrg ? badge("outside the org", "off") : ""),
      h("td", { class: "mic" }, x.attendStatus === 3 ? media(x.micStatus, "mic") : "", held ? badge("held", "held") : ""),
      h("td", { class: "camera" }, x.attendStatus === 3 ? media(x.cameraStatus, "camera") : ""),
      h("td", {}, h("span", {}, `${x.devices.length}`), devices),
      h("td", {}, h("div", { class: "actions" }, actions)),
    );
  };

  const linkForm = h(
    "form",
    {
      class: "inline",
      id: "member-link-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const made = await act("Member join link", "POST", `${base}/join-link`, { unionId: unionInput.value });
        if (made) {
          linkOut.hidden = false;
          linkOut.replaceChildren(`Join link for ${unionInput.value} (valid ${made.expireIn} s): `, h("a", { href: made.url }, made.url));
        }
      },
    },
    h("label", { for: "link-union-id" }, "Member"),
    unionInput,
    h("button", { type: "submit" }, "Make a join link"),
  );

  show(
    "Meeting",
    h("p", {}, h("a", { href: "#/meetings" }, "← Live meetings")),
    head,
    tools,
    h("h3", {}, "Roster · ", count),
    h(
      "div",
      { "aria-live": "polite", id: "roster-region" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, ["Name", "Attends", "Role", "Microphone", "Camera", "Devices", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        rosterBody,
      ),
    ),
    h("h3", {}, "A member's own join link"),
    linkForm,
    linkOut,
  );
  poll(refresh);
}

// Orgs, then one org's apps and users.
function orgsView() {
  const list = h("ul", { id: "org-list" });
  const load = async () => {
    const { items } = await api("GET", "/orgs");
    list.replaceChildren(...items.map((o) => h("li", {}, h("a", { href: `#/orgs/${encodeURIComponent(o.corpId)}` }, o.name), " ", h("span", { class: "mono" }, o.corpId))));
  };
  const name = h("input", { id: "org-name", required: true, maxlength: 64 });
  const corp = h("input", { id: "org-corp-id", maxlength: 64 });
  show(
    "Orgs",
    list,
    h(
      "form",
      {
        id: "org-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const body = { name: name.value };
          if (corp.value) body.corpId = corp.value;
          if (await act("Create org", "POST", "/orgs", body)) {
            name.value = corp.value = "";
            await load();
          }
        },
      },
      h("h3", {}, "New org"),
      h("label", { for: "org-name" }, "Name"),
      name,
      h("label", { for: "org-corp-id" }, "corpId (optional)"),
      corp,
      h("button", { type: "submit" }, "Create org"),
    ),
  );
  load().catch((err) => flash(err.message, true));
}

const SCOPES = ["VideoConference.Conference.Read", "VideoConference.Conference.Write"];

function scopeBoxes(prefix, granted) {
  return SCOPES.map((scope) => {
    const id = `${prefix}-${scope.split(".").pop().toLowerCase()}`;
    return h("label", { for: id }, h("input", { type: "checkbox", id, value: scope, checked: granted.includes(scope) }), ` ${scope}`);
  });
}

function checked(container) {
  return [...container.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

function orgView(corpId) {
  const apps = h("tbody", { id: "app-body" });
  const users = h("tbody", { id: "user-body" });
  const secret = h("div", { id: "secret-box", role: "alert" });
  const path = `/orgs/${encodeURIComponent(corpId)}`;
  const showSecret = (app) => {
    secret.replaceChildren(
      h("p", { class: "secret" }, `Secret of ${app.name} (${app.appKey}): `, h("span", { id: "shown-secret" }, app.appSecret)),
      h("p", { class: "note" }, "Copy it now: it is not shown again."),
    );
  };
  const load = async () => {
    const [{ items: allApps }, { items: people }] = await Promise.all([api("GET", "/apps"), api("GET", `${path}/users`)]);
    apps.replaceChildren(
      ...allApps
        .filter((a) => a.corpId === corpId)
        .map((a) => {
          const boxes = h("span", {}, scopeBoxes(`perm-${a.appKey}`, a.permissions));
          return h(
            "tr",
            { dataset: { appKey: a.appKey } },
            h("td", {}, a.name),
            h("td", { class: "mono" }, a.appKey),
            h("td", {}, boxes, h("button", {
              type: "button",
              class: "secondary",
              onclick: async () => {
                await act(`Permissions of ${a.name}`, "PUT", `/apps/${encodeURIComponent(a.appKey)}/permissions`, { permissions: checked(boxes) });
                await load();
              },
            }, "Save permissions")),
            h("td", {}, h("button", {
              type: "button",
              class: "danger",
              "data-action": "rotate",
              onclick: async () => {
                if (!confirm(`Rotate the secret of ${a.name}? The old secret stops working at once.`)) return;
                const rotated = await act(`Rotate the secret of ${a.name}`, "POST", `/apps/${encodeURIComponent(a.appKey)}/secret`);
                if (rotated) showSecret(rotated);
              },
            }, "Rotate secret")),
          );
        }),
    );
    users.replaceChildren(
      ...people.map((u) => h("tr", {}, h("td", {}, u.nick), h("td", { class: "mono" }, u.unionId), h("td", { class: "mono" }, u.userId), h("td", {}, u.jobNumber || ""))),
    );
  };
  const appName = h("input", { id: "app-name", required: true, maxlength: 64 });
  const appScopes = h("fieldset", {}, h("legend", {}, "Permissions"), scopeBoxes("new-app", SCOPES));
  const nick = h("input", { id: "user-nick", required: true, maxlength: 64 });
  const unionId = h("input", { id: "user-union-id", maxlength: 64 });
  show(
    `Org ${corpId}`,
    h("p", {}, h("a", { href: "#/orgs" }, "← Orgs")),
    h("h3", {}, "Apps"),
    secret,
    h("table", {}, h("thead", {}, h("tr", {}, ["Name", "appKey", "Permissions", "Secret"].map((t) => h("th", { scope: "col" }, t)))), apps),
    h(
      "form",
      {
        id: "app-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const made = await act("Create app", "POST", `${path}/apps`, { name: appName.value, permissions: checked(appScopes) });
          if (made) {
            appName.value = "";
            showSecret(made);
            await load();
          }
        },
      },
      h("h3", {}, "New app"),
      h("label", { for: "app-name" }, "Name"),
      appName,
      appScopes,
      h("button", { type: "submit" }, "Create app"),
    ),
    h("h3", {}, "Users"),
    h("table", {}, h("thead", {}, h("tr", {}, ["Nick", "unionId", "userId", "Job number"].map((t) => h("th", { scope: "col" }, t)))), users),
    h(
      "form",
      {
        id: "user-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const body = { nick: nick.value };
          if (unionId.value) body.unionId = unionId.value;
          if (await act("Create user", "POST", `${path}/users`, body)) {
            nick.value = unionId.value = "";
            await load();
          }
        },
      },
      h("h3", {}, "New user"),
      h("label", { for: "user-nick" }, "Nick"),
      nick,
      h("label", { for: "user-union-id" }, "unionId (optional)"),
      unionId,
      h("button", { type: "submit" }, "Create user"),
    ),
  );
  load().catch((err) => flash(err.message, true));
}

// The event log (docs/events.md), newest first, following as events come.
function eventsView() {
  const body = h("tbody", { id: "event-body" });
  let after = 0;
  show(
    "Event log",
    h("p", { class: "note" }, "Every event confplane sends to apps, as it happens."),
    h("table", {}, h("thead", {}, h("tr", {}, ["#", "Type", "Org", "Meeting", "Data", "Time"].map((t) => h("th", { scope: "col" }, t)))), body),
  );
  poll(async () => {
    for (;;) {
      const { items } = await api("GET", `/events?after=${after}&limit=200`);
      for (const e of items) {
        body.prepend(
          h("tr", {}, h("td", {}, String(e.id)), h("td", {}, e.eventType), h("td", { class: "mono" }, e.eventCorpId),
            h("td", { class: "mono" }, e.conferenceId), h("td", { class: "mono" }, JSON.stringify(e.data)), h("td", {}, when(e.eventBornTime))),
        );
        after = Math.max(after, e.id);
      }
      while (body.children.length > 500) body.lastChild.remove();
      if (items.length < 200) return;
    }
  });
}

// The emulator (docs/testing.md): its clock, faults and journal.
function emulatorView() {
  const clock = h("p", { id: "clock" });
  const faults = h("tbody", { id: "fault-body" });
  const journal = h("tbody", { id: "journal-body" });
  let afterSeq = 0;
  const advance = h("input", { id: "clock-advance", inputmode: "numeric", value: "60000" });
  const operation = h("input", { id: "fault-operation", required: true });
  const status = h("input", { id: "fault-status", inputmode: "numeric", value: "500" });
  const code = h("input", { id: "fault-code", value: "systemError" });
  const loadFaults = async () => {
    const answer = await api("GET", "/emulator/faults");
    faults.replaceChildren(
      ...answer.faults.map((f) =>
        h("tr", {}, h("td", { class: "mono" }, f.id), h("td", {}, f.operation), h("td", {}, f.kind),
          h("td", {}, f.error ? `${f.error.status} ${f.error.code}` : f.latencyMs ? `${f.latencyMs} ms` : ""),
          h("td", {}, String(f.hits)),
          h("td", {}, h("button", { type: "button", class: "secondary", onclick: async () => { await act("Remove fault", "DELETE", `/emulator/faults/${encodeURIComponent(f.id)}`); await loadFaults(); } }, "Remove"))),
      ),
    );
  };
  const showClock = (c) => {
    clock.textContent = `Server clock: ${when(c.now)}${c.frozen ? " (frozen)" : ""}, ${c.offsetMs} ms from real time.`;
  };
  const clockAct = async (label, method, body) => {
    const c = await act(label, method, "/emulator/clock", body);
    if (c) showClock(c);
  };
  show(
    "Emulator",
    h("h3", {}, "Clock"),
    clock,
    h("div", { class: "toolbar" },
      h("label", { for: "clock-advance" }, "Advance by (ms)"), advance,
      h("button", { type: "button", onclick: () => clockAct("Advance the clock", "POST", { advanceMs: Number(advance.value) }) }, "Advance"),
      h("button", { type: "button", class: "secondary", onclick: () => clockAct("Freeze the clock", "POST", { freeze: true }) }, "Freeze"),
      h("button", { type: "button", class: "secondary", onclick: () => clockAct("Back to real time", "DELETE") }, "Real time")),
    h("h3", {}, "Faults"),
    h("table", {}, h("thead", {}, h("tr", {}, ["Id", "Operation", "Kind", "Answer", "Hits", ""].map((t) => h("th", { scope: "col" }, t)))), faults),
    h("form", {
      class: "inline",
      onsubmit: async (event) => {
        event.preventDefault();
        await act("Add fault", "POST", "/emulator/faults", { operation: operation.value, error: { status: Number(status.value), code: code.value } });
        await loadFaults();
      },
    },
    h("label", { for: "fault-operation" }, "Operation"), operation,
    h("label", { for: "fault-status" }, "HTTP status"), status,
    h("label", { for: "fault-code" }, "Code"), code,
    h("button", { type: "submit" }, "Add fault")),
    h("h3", {}, "Journal"),
    h("table", {}, h("thead", {}, h("tr", {}, ["#", "Operation", "App", "Status", "Path", "ms"].map((t) => h("th", { scope: "col" }, t)))), journal),
  );
  loadFaults().catch((err) => flash(err.message, true));
  poll(async () => {
    showClock(await api("GET", "/emulator/clock"));
    const { entries } = await api("GET", `/emulator/journal?afterSeq=${afterSeq}`);
    for (const e of entries) {
      journal.prepend(h("tr", {}, h("td", {}, String(e.seq)), h("td", {}, e.operation), h("td", { class: "mono" }, e.appKey || ""),
        h("td", {}, `${e.status}${e.code ? ` ${e.code}` : ""}`), h("td", { class: "mono" }, e.path), h("td", {}, e.latencyMs.toFixed(1))));
      afterSeq = Math.max(afterSeq, e.seq);
    }
    while (journal.children.length > 500) journal.lastChild.remove();
  });
}

// -- start ---------------------------------------------------------------------------

api("GET", "/session")
  .then((session) => (session.signedIn ? started(session) : showSignIn()))
  .catch(() => showSignIn());
