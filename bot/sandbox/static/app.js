// doorman sandbox page: polls /sandbox/state, renders both chats, turns clicks into /sandbox/<action> calls.
// Bot text is never handed to innerHTML: it is parsed into an inert document and rebuilt from an allow-list.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 300;
  const panes = {
    stranger: { list: $("stranger-chat"), notices: $("stranger-notices"), items: new Map() },
    owner: { list: $("owner-chat"), notices: $("owner-notices"), items: new Map() },
  };
  let version = -1;
  let stranger = null; // the stranger chosen in the page (null: the newest one)
  let shown = null; // the stranger whose chat the pane shows
  let state = null;
  let polling = false;
  let pollAgain = false;
  let offline = false;
  const seenNotices = new Set();

  // ---- Telegram's HTML subset, rebuilt element by element -------------------------------------------

  const SIMPLE = { b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
    code: "code", pre: "pre" };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function linkFor(href) {
    let url;
    try {
      url = new URL(href || "");
    } catch {
      return null; // relative or malformed: keep the text only
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
      const a = el("a");
      a.href = url.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer nofollow";
      return a;
    }
    if (url.protocol === "tg:") {
      const span = el("span", "tg-link");
      span.title = url.href;
      return span;
    }
    return null;
  }

  function copyChildren(from, to) {
    for (const node of from.childNodes) copyNode(node, to);
  }

  function copyNode(node, to) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.appendChild(document.createTextNode(node.data));
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.localName;
    let made = null;
    if (Object.hasOwn(SIMPLE, tag)) made = el(SIMPLE[tag]);
    else if (tag === "blockquote") made = el("blockquote", node.hasAttribute("expandable") ? "expandable" : "");
    else if (tag === "tg-spoiler" || (tag === "span" && node.getAttribute("class") === "tg-spoiler")) {
      made = el("span", "spoiler");
      made.title = "spoiler: click to reveal";
    } else if (tag === "a") made = linkFor(node.getAttribute("href"));
    else if (tag === "tg-emoji") made = el("span", "tg-emoji");
    if (made === null) {
      copyChildren(node, to); // anything else: its text stays, the element goes
      return;
    }
    copyChildren(node, made);
    to.appendChild(made);
  }

  function renderHtml(html) {
    const inert = new DOMParser().parseFromString(html, "text/html");
    const out = document.createDocumentFragment();
    copyChildren(inert.body, out);
    return out;
  }

  // ---- messages -------------------------------------------------------------------------------------

  function buttonFor(pane, msg, spec) {
    if (spec.callback_data !== undefined) {
      const button = el("button", "kb", spec.text);
      button.type = "button";
      button.addEventListener("click", () => {
        act("press", { who: pane, stranger, message_id: msg.message_id, data: spec.callback_data,
          business: msg.business });
      });
      return button;
    }
    const link = spec.url ? linkFor(spec.url) : null;
    const node = link || el("span");
    node.classList.add("kb");
    node.textContent = spec.text;
    return node;
  }

  function labelFor(pane, msg) {
    if (pane !== "stranger" || !msg.business) return null;
    const owner = state ? state.owner.name : "the owner";
    if (msg.from === "owner") return `${owner}, in person (the bot stays quiet in this chat)`;
    return msg.from === "bot" ? `as ${owner}'s account (the bot answering)` : `to ${owner}'s account`;
  }

  function renderMessage(pane, msg) {
    const mine = msg.from === pane; // in the stranger's pane the owner writing in person is the other side
    const item = el("li", `msg ${mine ? "mine" : "theirs"}${msg.business ? " business" : ""}`);
    item.dataset.key = msg.key;
    item.dataset.from = msg.from;
    const label = labelFor(pane, msg);
    if (label) item.appendChild(el("div", "label", label));
    const body = el("div", "body");
    if (msg.html !== null && msg.html !== undefined) body.appendChild(renderHtml(msg.html));
    else body.textContent = msg.text;
    item.appendChild(body);
    const meta = el("div", "meta");
    if (msg.edited) meta.appendChild(el("span", "edited", "edited"));
    if (msg.seen) meta.appendChild(el("span", "seen", "✓"));
    if (msg.date) {
      const when = new Date(msg.date * 1000);
      meta.appendChild(el("time", "", when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    }
    item.appendChild(meta);
    if (msg.buttons.length) {
      const keyboard = el("div", "keyboard");
      for (const row of msg.buttons) {
        const line = el("div", "row");
        for (const spec of row) line.appendChild(buttonFor(pane, msg, spec));
        keyboard.appendChild(line);
      }
      item.appendChild(keyboard);
    }
    return item;
  }

  function renderChat(pane, messages) {
    const { list, items } = panes[pane];
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const keep = new Set();
    let added = false;
    messages.forEach((msg, index) => {
      const signature = JSON.stringify(msg);
      let entry = items.get(msg.key);
      if (!entry || entry.signature !== signature) {
        const node = renderMessage(pane, msg);
        if (entry) entry.node.replaceWith(node); // an edit: same place, new content
        else added = true;
        entry = { node, signature };
        items.set(msg.key, entry);
      }
      keep.add(msg.key);
      if (list.children[index] !== entry.node) list.insertBefore(entry.node, list.children[index] || null);
    });
    for (const [key, entry] of items) {
      if (!keep.has(key)) {
        entry.node.remove();
        items.delete(key);
      }
    }
    if (added && (nearBottom || messages.length <= 3)) list.scrollTop = list.scrollHeight;
  }

  // ---- the rest of the page -------------------------------------------------------------------------

  function setText(selector, text) {
    for (const node of document.querySelectorAll(selector)) node.textContent = text;
  }

  function renderStrangers() {
    const select = $("stranger-select");
    const signature = JSON.stringify(state.strangers);
    if (select.dataset.signature !== signature) {
      select.replaceChildren(...state.strangers.map((p) => {
        const option = el("option", "", `${p.name}${p.username ? " @" + p.username : ""} (${p.id})`);
        option.value = `${p.id}`;
        return option;
      }));
      select.dataset.signature = signature;
    }
    select.value = `${state.stranger}`;
    const me = state.strangers.find((p) => p.id === state.stranger);
    $("stranger-name").textContent = me ? me.name : "";
    const language = $("stranger-language");
    if (me && document.activeElement !== language) language.value = me.language_code;
  }

  function renderChannel() {
    const channel = state.channel;
    const says = { pending: "join request pending", approved: "request approved", declined: "request declined" };
    const parts = [`${channel.title}: ${channel.member ? "member" : "not a member"}`];
    if (channel.request) parts.push(says[channel.request] || channel.request);
    $("channel-status").textContent = parts.join(" · ");
    const select = $("join-link");
    const wanted = JSON.stringify(channel.links);
    if (select.dataset.links !== wanted) {
      const chosen = select.value;
      const own = el("option", "", "(the channel's own)");
      own.value = "";
      select.replaceChildren(own, ...channel.links.map((link) => {
        const option = el("option", "", link.name);
        option.value = link.url;
        return option;
      }));
      select.value = chosen;
      select.dataset.links = wanted;
    }
  }

  function renderCommands() {
    const box = $("owner-commands");
    if (box.dataset.commands === state.commands.join(" ")) return;
    box.replaceChildren(...state.commands.map((command) => {
      const chip = el("button", "chip", command);
      chip.type = "button";
      chip.addEventListener("click", () => act("send", { who: "owner", text: command }));
      return chip;
    }));
    box.dataset.commands = state.commands.join(" ");
  }

  function aheadText(seconds) {
    const units = [[86400, "day"], [3600, "hour"], [60, "minute"]];
    const parts = [];
    let left = Math.round(seconds);
    for (const [size, name] of units) {
      const count = Math.floor(left / size);
      left -= count * size;
      if (count) parts.push(`${count} ${name}${count === 1 ? "" : "s"}`);
    }
    return parts.length ? `${parts.join(" ")} ahead` : "the real time";
  }

  function renderClock() {
    if (!state) return;
    const { offset, timezone, next_summary: nextSummary } = state.clock;
    const format = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, weekday: "short", day: "numeric",
      month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    const now = format.format(new Date(Date.now() + offset * 1000));
    if ($("clock-now").textContent !== now) $("clock-now").textContent = now;
    $("clock-ahead").textContent = aheadText(offset);
    $("skip-summary").title = `next: ${format.format(new Date(nextSummary * 1000))}`;
  }

  function showNotices(first) {
    for (const notice of state.notices) {
      if (seenNotices.has(notice.id)) continue;
      seenNotices.add(notice.id);
      if (first) continue;
      const box = el("div", `notice${notice.alert ? " alert" : ""}${notice.failure ? " failure" : ""}`, notice.text);
      box.setAttribute("role", "status");
      if (notice.alert) {
        const ok = el("button", "", "OK");
        ok.type = "button";
        ok.addEventListener("click", () => box.remove());
        box.appendChild(ok);
      } else {
        setTimeout(() => box.remove(), 4000);
      }
      panes[notice.who].notices.appendChild(box);
    }
  }

  function render(first) {
    if (stranger === null) stranger = state.stranger;
    if (state.stranger !== shown) {
      panes.stranger.items.clear();
      panes.stranger.list.replaceChildren();
      shown = state.stranger;
    }
    setText(".bot-username", state.bot.username);
    setText(".channel-title", state.channel.title);
    $("owner-name").textContent = state.owner.name;
    renderStrangers();
    renderChannel();
    renderCommands();
    renderChat("stranger", state.chats.stranger);
    $("stranger-empty").hidden = state.chats.stranger.length > 0;
    $("takeover-name").textContent = $("stranger-name").textContent;
    $("takeover-text").placeholder = `Write to ${$("stranger-name").textContent} yourself…`;
    renderClock();
    renderChat("owner", state.chats.owner);
    showNotices(first);
  }

  // ---- talking to the sandbox -----------------------------------------------------------------------

  function problem(text) {
    const line = $("problem");
    line.textContent = text || "";
    line.hidden = !text;
  }

  async function poll() {
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    try {
      // A state for another stranger than the chosen one is never "unchanged".
      const query = new URLSearchParams({ since: `${state && state.stranger === stranger ? version : -1}` });
      if (stranger !== null) query.set("stranger", `${stranger}`);
      const response = await fetch(`/sandbox/state?${query}`);
      const data = await response.json();
      if (!data.unchanged) {
        const first = state === null;
        state = data;
        version = data.version;
        render(first);
      }
      if (offline) problem("");
      offline = false;
    } catch {
      problem("The sandbox is not answering (stopped?). Retrying…");
      offline = true;
    } finally {
      polling = false;
      if (pollAgain) {
        pollAgain = false;
        poll();
      }
    }
  }

  async function act(action, body) {
    let data;
    try {
      const response = await fetch(`/sandbox/${action}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      data = await response.json();
    } catch {
      data = { ok: false, error: "the sandbox is not answering" };
    }
    problem(data.ok ? "" : data.error);
    poll();
    return data;
  }

  function switchStranger(id) {
    stranger = Number(id);
    poll();
  }

  function onSubmit(form, handler) {
    $(form).addEventListener("submit", (event) => {
      event.preventDefault();
      handler(event.target);
    });
  }

  onSubmit("stranger-compose", async () => {
    const input = $("stranger-text");
    const text = input.value;
    if (!text.trim()) return;
    const result = await act($("stranger-via").value, { who: "stranger", stranger, text });
    if (result.ok) input.value = "";
  });

  onSubmit("owner-compose", async () => {
    const input = $("owner-text");
    const text = input.value;
    if (!text.trim()) return;
    const result = await act("send", { who: "owner", text });
    if (result.ok) input.value = "";
  });

  onSubmit("deeplink-form", () => act("deeplink", { stranger, source: $("deeplink-source").value }));

  onSubmit("join-form", () => act("join", { stranger, bio: $("join-bio").value, invite_link: $("join-link").value }));

  onSubmit("new-stranger-form", async (form) => {
    const fields = Object.fromEntries(new FormData(form));
    fields.photo = form.elements.photo.checked;
    fields.premium = form.elements.premium.checked;
    const result = await act("new-stranger", fields);
    if (result.ok) {
      form.reset();
      form.hidden = true;
      switchStranger(result.stranger);
    }
  });

  $("new-stranger-toggle").addEventListener("click", () => {
    const form = $("new-stranger-form");
    form.hidden = !form.hidden;
    if (!form.hidden) form.elements.first_name.focus();
  });

  onSubmit("takeover-form", async () => {
    const input = $("takeover-text");
    const text = input.value;
    if (!text.trim()) return;
    const result = await act("takeover", { stranger, text });
    if (result.ok) input.value = "";
  });

  for (const button of document.querySelectorAll("[data-skip]")) {
    button.addEventListener("click", async () => {
      const all = document.querySelectorAll("[data-skip]");
      for (const other of all) other.disabled = true; // a skip waits for the bot's checks at the new time
      try {
        await act("skip", { to: button.dataset.skip });
      } finally {
        for (const other of all) other.disabled = false;
      }
    });
  }

  $("stranger-select").addEventListener("change", (event) => switchStranger(event.target.value));

  // Telegram sends the language the stranger's app is set to with each update: what the bot greets them in.
  $("stranger-language").addEventListener("change", (event) =>
    act("language", { stranger, language_code: event.target.value }));

  $("problem").hidden = true;
  poll();
  setInterval(poll, POLL_MS);
  setInterval(renderClock, 1000);
})();
