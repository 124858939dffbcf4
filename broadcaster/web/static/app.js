// broadcaster dashboard: small progressive enhancements, no build step, no framework.
"use strict";

const csrf = () => document.querySelector("main")?.dataset.csrf || "";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function autosubmit() {
  document.querySelectorAll("[data-autosubmit]").forEach((s) =>
    s.addEventListener("change", () => s.form.submit()));
  document.querySelectorAll("[data-back]").forEach((a) =>
    a.addEventListener("click", (e) => { e.preventDefault(); history.back(); }));
}

// --- editor: live preview per channel -------------------------------------------------
function livePreview() {
  const form = document.getElementById("editor");
  const out = document.getElementById("preview");
  const problems = document.getElementById("preview-problems");
  if (!form || !out) return;
  let timer = null;
  let seq = 0;
  const refresh = async () => {
    const mine = ++seq;
    const body = new URLSearchParams(new FormData(form));
    const saved = form.dataset.announcement ? "?announcement=" + form.dataset.announcement : "";
    const res = await fetch("/preview" + saved, {
      method: "POST", body, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin",
    });
    if (!res.ok || mine !== seq) return;
    const data = await res.json();
    problems.replaceChildren(...data.problems.map((p) => el("li", {}, p)));
    out.replaceChildren(...data.channels.map((ch) => el("article", { class: "card msg", "data-account": ch.account },
      el("h3", {}, ch.account, " ", el("small", {}, "(" + ch.channel + ")")),
      ...ch.messages.map((m) => {
        // server-rendered and sanitized (broadcaster/web/preview_html.py): as the app shows it
        const body = el("div", { class: "msg-body", "data-kind": m.kind });
        body.innerHTML = m.html;
        return body;
      }))));
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 50); });
  refresh();
}

// --- editor: target picker on the region tree -----------------------------------------
function targetPicker() {
  const box = document.getElementById("picker");
  const regions = document.getElementById("regions");
  const exclude = document.getElementById("exclude");
  if (!box || !regions) return;
  const codes = (input) => input.value.split(/[\s,;]+/).filter(Boolean);
  const toggle = (input, code) => {
    const list = codes(input);
    const i = list.indexOf(code);
    if (i >= 0) list.splice(i, 1); else list.push(code);
    input.value = list.join(" ");
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const counts = (node) => Object.entries(node.by_channel).map(([c, n]) => `${c}: ${n}`).join(", ") || "0";
  // labels come translated from the page (data-add / data-leave-out on the picker box)
  const buttons = (n) => {
    const add = el("button", { type: "button", class: "small", "data-code": n.code,
      "aria-label": `${box.dataset.add || "+"} ${n.name} (${n.code})`, title: box.dataset.add || "+" }, "+");
    add.addEventListener("click", () => toggle(regions, n.code));
    const ex = el("button", { type: "button", class: "small",
      "aria-label": `${box.dataset.leaveOut || "−"} ${n.name} (${n.code})`, title: box.dataset.leaveOut || "−" }, "−");
    ex.addEventListener("click", () => toggle(exclude, n.code));
    return [add, " ", ex];
  };
  const load = async (under, trail) => {
    const url = "/api/v1/regions/tree" + (under ? "?under=" + encodeURIComponent(under) : "");
    const res = await fetch(url, { credentials: "same-origin" });
    if (!res.ok) { box.replaceChildren(el("p", { class: "error" }, res.status + " " + res.statusText)); return; }
    const tree = await res.json();
    const crumbs = el("div", { class: "crumbs" });
    const root = el("a", { href: "#", "aria-label": box.dataset.home || "⌂" }, "⌂");
    root.addEventListener("click", (e) => { e.preventDefault(); load(null, []); });
    crumbs.append(root);
    trail.forEach((t, i) => {
      const a = el("a", { href: "#" }, t.name);
      a.addEventListener("click", (e) => { e.preventDefault(); load(t.code, trail.slice(0, i + 1)); });
      crumbs.append(" › ", a);
    });
    const rows = tree.children.map((n) => {
      const name = el("a", { href: "#", class: "drill" }, `${n.name} (${n.code})`);
      name.addEventListener("click", (e) => { e.preventDefault(); load(n.code, [...trail, { code: n.code, name: n.name }]); });
      return el("li", {}, ...buttons(n), " ", name, " ", el("span", { class: "count" }, `${n.groups} · ${counts(n)}`));
    });
    const head = tree.node ? el("p", {}, ...buttons(tree.node), " ", el("strong", {}, `${tree.node.name}: ${tree.node.groups}`), " · ", counts(tree.node)) : "";
    box.replaceChildren(crumbs, head, el("ul", { class: "plain tree" }, ...rows));
  };
  load(null, []);
}

// --- dispatch page: live progress through Server-Sent Events --------------------------
function liveProgress() {
  const box = document.getElementById("progress");
  if (!box || box.dataset.finished === "1" || !window.EventSource) return;
  const source = new EventSource(box.dataset.events);
  const set = (id, v) => { const n = document.getElementById(id); if (n) n.textContent = v; };
  const table = (id, parts, names = {}) => {
    const body = document.querySelector(`#${id} tbody`);
    if (!body) return;
    body.replaceChildren(...Object.entries(parts).map(([k, c]) => el("tr", { "data-key": k },
      el("td", {}, names[k] ? `${names[k]} (${k})` : k), el("td", {}, c.sent), el("td", {}, c.failed),
      el("td", {}, c.remaining), el("td", {}, c.total))));
  };
  source.addEventListener("progress", (ev) => {
    const p = JSON.parse(ev.data);
    const st = document.getElementById("d-status");
    const labels = st && st.dataset.labels ? JSON.parse(st.dataset.labels) : {};
    set("d-status", labels[p.dispatch.status] || p.dispatch.status); set("d-sent", p.sent); set("d-failed", p.failed);
    set("d-remaining", p.remaining); set("d-total", p.total); set("d-rate", p.rate_per_second);
    set("d-eta", p.eta_seconds === null ? "—" : Math.round(p.eta_seconds) + " s");
    const sent = p.total ? 100 * p.sent / p.total : 0;
    const failed = p.total ? 100 * p.failed / p.total : 0;
    document.getElementById("bar-sent")?.setAttribute("width", sent);
    const bf = document.getElementById("bar-failed");
    if (bf) { bf.setAttribute("x", sent); bf.setAttribute("width", failed); }
    set("d-held", p.held);
    document.getElementById("holds")?.replaceChildren(
      ...p.holds.map((h) => el("p", { class: "hold" }, `${h.text}: ${h.count}`)));
    document.querySelector("#reasons tbody")?.replaceChildren(...Object.entries(p.reasons).map(
      ([k, n]) => el("tr", {}, el("td", {}, k), el("td", {}, n))));
    table("by-channel", p.by_channel);
    table("by-regency", p.by_regency, p.regency_names);
    if (p.finished) box.dataset.finished = "1";
  });
  source.addEventListener("done", () => source.close());
}

// --- boxes that scroll sideways on a narrow screen take keyboard focus -----------------
// (WCAG 2.1.1: a keyboard user must be able to scroll a wide table too)
function scrollBoxes() {
  const mark = () => document.querySelectorAll(".scroll-x, table.list").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
    else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
  });
  mark();
  window.addEventListener("resize", mark);
}

document.addEventListener("DOMContentLoaded", () => {
  scrollBoxes();
  autosubmit();
  livePreview();
  targetPicker();
  liveProgress();
});
