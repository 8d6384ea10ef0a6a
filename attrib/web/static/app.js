// attrib's search page. No framework and no build step: the DOM is built with
// createElement and textContent only, so indexed code and user input are always text,
// never HTML.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);  // strings become text nodes
  }
  return node;
}

function link(url, text) {
  // Only http(s) links are made clickable: an indexed URL can never run script.
  const safe = /^https?:\/\//i.test(url);
  return safe ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text }) : el("span", { text });
}

function lines(a, b) { return a === b ? `L${a}` : `L${a}–${b}`; }

async function api(path, options = {}) {
  const key = sessionStorage.getItem("attrib-api-key");
  const headers = { "Accept": "application/json", ...(options.headers || {}) };
  if (key) headers["X-API-Key"] = key;
  const response = await fetch(path, { ...options, headers });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401) {
    const entered = prompt("This index needs an API key:");
    if (entered) { sessionStorage.setItem("attrib-api-key", entered); return api(path, options); }
  }
  if (!response.ok) {
    const detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail))
                                       : response.statusText;
    throw new Error(`${response.status}: ${detail}`);
  }
  return body;
}

// ------------------------------------------------------------------ tabs

const TABS = ["attribute", "search", "index"];

function show(name, focus = true) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`view-${tab}`).hidden = !selected;
  }
  if (focus) $(`tab-${name}`).focus();
  if (name === "index") loadStats();
  history.replaceState(null, "", `#${name}`);
}

for (const tab of TABS) {
  $(`tab-${tab}`).addEventListener("click", () => show(tab));
  $(`tab-${tab}`).addEventListener("keydown", (event) => {
    const i = TABS.indexOf(tab);
    if (event.key === "ArrowRight") show(TABS[(i + 1) % TABS.length]);
    if (event.key === "ArrowLeft") show(TABS[(i + TABS.length - 1) % TABS.length]);
  });
}

// ------------------------------------------------------------------ attribute

// Lines first..last of a text whose first line is line number `offset`.
function codePane(title, text, first, last, hitFirst, hitLast, offset = 1) {
  const pre = el("pre", { class: "code" });
  const all = text.split("\n");
  for (let n = first; n <= last && n - offset < all.length; n++) {
    const row = el("span", { class: n >= hitFirst && n <= hitLast ? "row hit" : "row" },
                   el("span", { class: "ln", text: String(n) }), all[n - offset]);
    pre.append(row);
  }
  return el("div", {}, el("p", { class: "pane-title", text: title }), pre);
}

function renderReport(report, code) {
  const out = $("attribute-results");
  out.replaceChildren();
  const file = report.files[0];
  if (!file || file.matches.length === 0) {
    out.append(el("p", { text: "No indexed code found in this text." }));
    return;
  }
  out.append(el("p", {},
    el("span", { class: `verdict ${file.verdict}`, text: file.verdict }), " ",
    `${file.matches.length} match${file.matches.length === 1 ? "" : "es"}, ${file.matched_lines} of ${file.lines} lines.`));
  for (const match of file.matches) {
    const s = match.source, q = match.query;
    const box = el("article", { class: "match" });
    box.append(el("h3", {}, `${lines(q.start_line, q.end_line)} ← `, link(s.url, `${s.repo} › ${s.path} ${lines(s.start_line, s.end_line)}`)));
    box.append(el("p", { class: "facts" },
      el("span", { class: `license cat-${s.license_category}`, text: s.licenses.join(", ") || "no license recorded" }),
      ` · ${s.license_category} · ${Math.round(match.similarity * 100)}% ${match.kind}`,
      match.other_sources ? ` · ${match.other_sources} other source${match.other_sources === 1 ? "" : "s"} hold the same code` : "",
      ` · commit ${String(s.commit || "").slice(0, 10)}`));
    const panes = el("div", { class: "side-by-side" });
    panes.append(codePane("your code", code, q.start_line, q.end_line, q.start_line, q.end_line));
    const sourcePane = el("div", {}, el("p", { class: "pane-title", text: "source: loading…" }));
    panes.append(sourcePane);
    box.append(panes);
    out.append(box);
    loadSource(s, sourcePane);
  }
}

async function loadSource(s, pane) {
  try {
    const params = new URLSearchParams({ sha: s.sha || "", start: s.start_line, end: s.end_line });
    const body = await api(`/api/source?${params}`);
    pane.replaceWith(codePane(`${s.repo} › ${s.path}`, body.text, body.start_line, body.end_line,
                              s.start_line, s.end_line, body.start_line));
  } catch (e) {
    pane.replaceChildren(el("p", { class: "pane-title error", text: `source unavailable (${e.message})` }));
  }
}

$("attribute-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("code").value;
  if (!code.trim()) { $("attribute-status").textContent = "Paste some code first."; return; }
  $("attribute-button").disabled = true;
  $("attribute-status").textContent = "Attributing…";
  const started = performance.now();
  try {
    const report = await api("/api/attribute", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code, lang: $("lang").value || null, path: $("upload").dataset.name || null }),
    });
    const lang = report.files[0] && report.files[0].lang;
    $("attribute-status").textContent = `Done in ${Math.round(performance.now() - started)} ms` +
      `${lang ? ` (as ${lang})` : " (as plain text)"}, against ${report.index.files} indexed files.`;
    renderReport(report, code);
  } catch (e) {
    $("attribute-status").replaceChildren(el("span", { class: "error", text: `Could not attribute: ${e.message}` }));
  } finally {
    $("attribute-button").disabled = false;
  }
});

$("code").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("attribute-form").requestSubmit();
});

$("upload").addEventListener("change", async () => {
  const file = $("upload").files[0];
  if (!file) return;
  $("upload").dataset.name = file.name;
  $("code").value = await file.text();
  $("attribute-status").textContent = `Loaded ${file.name}; press Attribute.`;
});

// ------------------------------------------------------------------ search

function highlighted(text, spans) {
  const node = el("span");
  let at = 0;
  for (const [a, b] of spans) {
    node.append(text.slice(at, a), el("mark", { text: text.slice(a, b) }));
    at = b;
  }
  node.append(text.slice(at));
  return node;
}

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = $("q").value.trim();
  const out = $("search-results");
  if (!q) { $("search-status").textContent = "Type something to search for."; return; }
  $("search-button").disabled = true;
  $("search-status").textContent = "Searching…";
  try {
    const params = new URLSearchParams({ q });
    if ($("search-lang").value) params.set("lang", $("search-lang").value);
    if ($("search-license").value) params.set("license", $("search-license").value);
    const body = await api(`/api/search?${params}`);
    out.replaceChildren();
    $("search-status").textContent = body.hits.length ? `${body.hits.length} file${body.hits.length === 1 ? "" : "s"}` : "Nothing found.";
    for (const hit of body.hits) {
      const item = el("li", {}, el("h3", {}, link(hit.url, `${hit.repo} › ${hit.path}`)),
        el("p", { class: "facts" },
          el("span", { class: `license cat-${hit.license_category}`, text: hit.licenses.join(", ") || "no license recorded" }),
          ` · ${hit.license_category} · ${hit.lang || "?"}`));
      const pre = el("pre", { class: "code" });
      for (const snippet of hit.snippets) {
        pre.append(el("span", { class: "row" }, el("span", { class: "ln", text: String(snippet.line) }),
                      highlighted(snippet.text, snippet.highlights)));
      }
      item.append(pre);
      out.append(item);
    }
  } catch (e) {
    $("search-status").replaceChildren(el("span", { class: "error", text: `Search failed: ${e.message}` }));
  } finally {
    $("search-button").disabled = false;
  }
});

// ------------------------------------------------------------------ index statistics

let statsLoaded = null;

function table(title, rows) {
  const body = el("tbody");
  for (const [name, count] of rows) body.append(el("tr", {}, el("td", { text: name }), el("td", { class: "num", text: count.toLocaleString() })));
  return el("div", {}, el("h3", { text: title }), el("table", {}, body));
}

async function loadStats() {
  if (statsLoaded) return statsLoaded;
  statsLoaded = api("/api/stats").then((s) => {
    const box = $("index-stats");
    box.replaceChildren(
      el("p", { text: `${s.name}: ${s.files.toLocaleString()} files from ${s.repos.toLocaleString()} repositories, ${(s.bytes / 1e6).toFixed(1)} MB of code.` }),
      table("Languages", Object.entries(s.languages)),
      table("License categories", Object.entries(s.license_categories)),
      table("Licenses", Object.entries(s.licenses).slice(0, 20)),
      table("Fingerprint parameters", Object.entries(s.params).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v])));
    for (const lang of Object.keys(s.languages)) {
      $("lang").append(el("option", { value: lang, text: lang }));
      $("search-lang").append(el("option", { value: lang, text: lang }));
    }
    for (const license of Object.keys(s.licenses)) $("search-license").append(el("option", { value: license, text: license }));
    return s;
  }).catch((e) => {
    statsLoaded = null;
    $("index-stats").replaceChildren(el("p", { class: "error", text: `Could not load statistics: ${e.message}` }));
  });
  return statsLoaded;
}

function fromHash() {
  const name = location.hash.slice(1);
  show(TABS.includes(name) ? name : "attribute", false);
}

window.addEventListener("hashchange", fromHash);
loadStats();
fromHash();
