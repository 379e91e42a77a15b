// The actorwire dashboard page: reads the JSON API, draws with Apache ECharts (global `echarts`,
// vendored) and reloads what it shows when /events reports a change. Text from the API is only ever
// put into text nodes (textContent), never parsed as HTML; ECharts tooltips escape it themselves
// (encodeHTML) or through our formatters.

const KINDS = ["person", "organization", "country", "location", "group"];
const KIND_COLORS = ["#4e79a7", "#9c755f", "#f28e2b", "#76b7b2", "#b07aa1"];
const STANCE_COLORS = { favor: "#2e7d32", against: "#c62828", none: "#8c959f" };
const SERIES_ACTORS = 5;

const $ = (id) => document.getElementById(id);
const escape = (text) => echarts.format.encodeHTML(String(text));
const params = new URLSearchParams(location.search);
const state = {
  window: params.get("window") === "1d" ? "1d" : "1h",
  start: params.get("start") || "",
  kind: KINDS.includes(params.get("kind")) ? params.get("kind") : "",
  actor: params.get("actor") || "",
};
const names = new Map(); // actor_id -> name, from every answer seen

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

async function api(path, query = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query)) if (value) url.searchParams.set(key, value);
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.json();
}

function remember(id, name) { if (id && name) names.set(id, name); }
function nameOf(id) { return names.get(id) || id; }
function signed(x) { return x === null || x === undefined ? "–" : (x > 0 ? "+" : x < 0 ? "−" : "") + Math.abs(x).toFixed(2); }
function when(iso, window) {
  if (!iso) return "";
  const d = new Date(iso);
  const day = d.toLocaleDateString(undefined, { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" });
  return window === "1d" ? `${day} (UTC)` : `${day} ${d.toISOString().slice(11, 16)} UTC`;
}

function saveState() {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) if (value && !(key === "window" && value === "1h")) query.set(key, value);
  history.replaceState(null, "", query.size ? `?${query}` : location.pathname);
}

// -- controls ----------------------------------------------------------------------------------
function renderStarts(starts) {
  const select = $("start");
  select.replaceChildren(
    el("option", { value: "" }, `newest (${starts.length ? when(starts[0], state.window) : "none yet"})`),
    ...starts.map((s) => el("option", { value: s }, when(s, state.window))),
    el("option", { value: "all" }, `all retained ${state.window === "1h" ? "hours" : "days"}`),
  );
  select.value = state.start;
  if (select.value !== state.start) select.value = "";
}

// -- top actors --------------------------------------------------------------------------------
function renderActors(answer) {
  const rows = answer.actors.map((a) => {
    remember(a.actor_id, a.name);
    const s = a.sentiment_counts;
    const button = el("button", { type: "button", title: `${a.actor_id}: show only this actor` }, a.name);
    button.addEventListener("click", () => select(state.actor === a.actor_id ? "" : a.actor_id));
    return el("tr", { "data-actor-id": a.actor_id, class: a.actor_id === state.actor ? "selected" : "" },
      el("td", {}, button),
      el("td", {}, el("span", { class: `kind ${a.kind}` }, a.kind)),
      el("td", { class: "n" }, a.mention_count),
      el("td", { class: "n" }, a.article_count),
      el("td", { class: "n" }, el("span", { class: "neg" }, s.negative), " / ", el("span", { class: "neu" }, s.neutral),
        " / ", el("span", { class: "pos" }, s.positive)),
      el("td", { class: "n" }, signed(a.mean_sentiment)));
  });
  $("actors").tBodies[0].replaceChildren(...rows);
  $("actors-empty").hidden = rows.length > 0;
  $("top-period").textContent = answer.window_start === "all" ? `· all retained ${answer.window} windows`
    : answer.window_start ? `· ${when(answer.window_start, answer.window)}` : "";
}

// -- sentiment over time -------------------------------------------------------------------------
const sentimentChart = echarts.init($("sentiment-chart"));
async function renderSentiment(actors) {
  const chosen = state.actor ? [state.actor] : actors.slice(0, SERIES_ACTORS).map((a) => a.actor_id);
  const answers = await Promise.all(chosen.map((id) => api(`/api/actors/${encodeURIComponent(id)}/series`, { window: state.window })));
  $("sentiment-who").textContent = `· mean score per ${state.window === "1h" ? "hour" : "day"}, −1…1` +
    (state.actor ? ` · ${nameOf(state.actor)}` : chosen.length ? ` · top ${chosen.length} by mentions` : "");
  sentimentChart.setOption({
    animation: false,
    legend: { top: 0, type: "scroll" },
    grid: { left: 36, right: 16, top: 36, bottom: 28 },
    tooltip: { trigger: "axis", valueFormatter: (v) => signed(v) },
    xAxis: { type: "time" },
    yAxis: { type: "value", min: -1, max: 1 },
    series: answers.map((s) => ({
      name: s.name || s.actor_id, type: "line", showSymbol: true, symbolSize: 7, connectNulls: true,
      data: s.points.map((p) => [p.window_start, p.mean_sentiment]),
      markLine: { silent: true, symbol: "none", lineStyle: { color: "#999", type: "dashed" }, data: [{ yAxis: 0 }], label: { show: false } },
    })),
  }, { notMerge: true });
}

// -- stance network ------------------------------------------------------------------------------
const stanceChart = echarts.init($("stance-chart"));
function renderStances(graph) {
  graph.nodes.forEach((n) => remember(n.actor_id, n.name));
  const curve = { favor: 0.15, against: -0.15, none: 0.3 };
  stanceChart.setOption({
    animation: false,
    color: KIND_COLORS,
    legend: { top: 0, data: KINDS },
    tooltip: {
      formatter: (p) => p.dataType === "edge"
        ? `${escape(nameOf(p.data.source))} → ${escape(nameOf(p.data.target))}: ${escape(p.data.stance)} ×${p.data.value}`
        : `${escape(p.data.name)} (${escape(KINDS[p.data.category] || "actor")}) · ${p.data.value} mentions`,
    },
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true, top: 30,
      force: { repulsion: 260, edgeLength: [90, 170], gravity: 0.08 },
      categories: KINDS.map((name) => ({ name })),
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: 9,
      label: { show: true, position: "right", formatter: "{b}" },
      data: graph.nodes.map((n) => ({
        id: n.actor_id, name: n.name, value: n.mention_count, category: Math.max(0, KINDS.indexOf(n.kind)),
        symbolSize: 12 + 4 * Math.sqrt(n.mention_count),
      })),
      links: graph.edges.map((e) => ({
        source: e.source, target: e.target, value: e.count, stance: e.label,
        lineStyle: { color: STANCE_COLORS[e.label], width: 1.5 + Math.log2(e.count), curveness: curve[e.label], opacity: 0.9 },
      })),
    }],
  }, { notMerge: true });
  $("stance-edges").replaceChildren(...graph.edges.map((e) => el("li",
    { class: e.label, "data-source": e.source, "data-target": e.target, "data-label": e.label },
    `${nameOf(e.source)} → ${nameOf(e.target)}: ${e.label}${e.count > 1 ? ` ×${e.count}` : ""}`)));
  if (!graph.edges.length) $("stance-edges").append(el("li", { class: "none" }, "no stances in this window"));
}

// -- recent articles ---------------------------------------------------------------------------
function segments(parts) {
  return parts.map((p) => {
    if (p.actor_id === undefined) return document.createTextNode(p.text);
    const who = p.actor_id ? `${p.name || nameOf(p.actor_id)} (${p.kind || p.label}, ${p.actor_id})` : `${p.label}, not resolved`;
    const attrs = { class: `${p.kind || "unresolved"}${p.actor_id && p.actor_id === state.actor ? " selected" : ""}`, title: who };
    if (p.actor_id) attrs["data-actor-id"] = p.actor_id;
    return el("mark", attrs, p.text);
  });
}

function renderArticles(answer) {
  const items = answer.articles.map((a) => {
    a.actors.forEach((x) => remember(x.actor_id, x.name));
    const body = el("p", { class: "body" }, ...segments(a.body));
    if (a.truncated) body.append("…");
    return el("li", { "data-article-id": a.article_id },
      el("h3", {}, ...segments(a.headline)),
      el("p", { class: "meta" }, `${a.published_at ? when(a.published_at, "1h") : "undated"} · ${a.actors.length} actors · v${a.version}`),
      body);
  });
  $("article-list").replaceChildren(...items);
  $("articles-empty").hidden = items.length > 0;
  $("articles-who").textContent = state.actor ? `· about ${nameOf(state.actor)}` : state.kind ? `· with a ${state.kind}` : "";
}

// -- refresh -----------------------------------------------------------------------------------
let refreshing = null;
let again = false;
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    try {
      const query = { window: state.window, start: state.start, kind: state.kind };
      const [actors, stances, articles] = await Promise.all([
        api("/api/actors", query), api("/api/stances", query),
        api("/api/articles", { actor: state.actor, kind: state.kind, limit: 12 }),
      ]);
      renderStarts(actors.starts);
      renderActors(actors);
      renderStances(stances);
      renderArticles(articles);
      await renderSentiment(actors.actors);
      document.body.dataset.updated = new Date().toISOString();
    } catch (error) {
      $("live").textContent = `error: ${error.message}`;
      $("live").className = "live off";
    } finally {
      refreshing = null;
      if (again) { again = false; refresh(); }
    }
  })();
  return refreshing;
}

let pending = null;
function soon() { clearTimeout(pending); pending = setTimeout(refresh, 250); }

function select(actor) { state.actor = actor; saveState(); refresh(); }

for (const id of ["window", "start", "kind"]) {
  $(id).value = state[id];
  $(id).addEventListener("change", () => {
    state[id] = $(id).value;
    if (id === "window") state.start = "";
    saveState();
    refresh();
  });
}
window.addEventListener("resize", () => { sentimentChart.resize(); stanceChart.resize(); });

const events = new EventSource("/events");
events.onopen = () => { $("live").textContent = "live"; $("live").className = "live on"; refresh(); };
events.onerror = () => { $("live").textContent = "reconnecting…"; $("live").className = "live off"; };
for (const type of ["aggregates", "article", "resync"]) events.addEventListener(type, soon);
refresh();
