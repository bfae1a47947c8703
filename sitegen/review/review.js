// Review actions for `sitegen serve`: never part of a built site.
//
// On the review page, each suggestion's buttons send the decision to the preview; on a
// dossier page, a small panel offers the same decisions about that entity. The preview
// writes the judgement file, rebuilds, and the live-reload script reloads the page.
(() => {
  "use strict";
  const script = document.currentScript;
  const token = script ? script.dataset.token : "";
  const base = script ? new URL(".", script.src).href : "/_review/";

  async function send(path, body, say) {
    say("Saving…");
    let answer;
    try {
      const response = await fetch(new URL(path, base), {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-Sitegen-Token": token},
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      answer = await response.json();
    } catch (error) {
      say("The preview did not answer: is sitegen serve still running?");
      return;
    }
    if (answer.ok) {
      document.documentElement.dataset.sitegenReviewWritten = answer.file;
      const live = document.querySelector('script[src$="livereload.js"]');
      if (live && live.dataset.site === answer.site) {
        // Rebuilt, and nothing the pages show changed (a title pinned while the reference
        // cache has no page of that name is linked by the next online build).
        say(`Written: ${answer.file}. The site looks the same after the rebuild.`);
      } else {
        say(`Written: ${answer.file}. Reloading…`);
      }
    } else {
      say(answer.error);
    }
  }

  // ---- the review page ----------------------------------------------------------------

  function reviewPage(page) {
    const status = document.getElementById("review-status");
    const say = (text) => { status.textContent = text; };
    page.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.hasAttribute("data-undo")) {
        send("undo", {}, say);
        return;
      }
      if (!button.dataset.act) return;
      const request = JSON.parse(button.dataset.act);
      if (button.hasAttribute("data-with-input")) {
        const input = button.closest(".actions").querySelector("input");
        if (!input.value.trim()) { say("Type the title first."); input.focus(); return; }
        request.value = input.value.trim();
      }
      send("act", request, say);
    });
  }

  // ---- the panel on a dossier -----------------------------------------------------------

  const STYLE = `
    :host { all: initial; position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483646;
      font: 14px/1.4 system-ui, sans-serif; }
    details { background: #fff; color: #111; border: 1px solid #666; border-radius: 6px;
      box-shadow: 0 2px 12px rgba(0,0,0,.2); padding: .5rem .75rem; max-width: 24rem; }
    summary { cursor: pointer; font-weight: 600; }
    form { display: flex; gap: .35rem; margin: .4rem 0; flex-wrap: wrap; align-items: center; }
    input, select { font: inherit; min-width: 0; flex: 1; }
    button { font: inherit; cursor: pointer; }
    p { margin: .4rem 0; }
    ul { margin: .25rem 0; padding-left: 1rem; }
  `;

  function control(label, action, field) {
    const form = document.createElement("form");
    form.dataset.action = action;
    if (field) form.append(field);
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = label;
    form.append(button);
    return form;
  }

  function textField(label) {
    const input = document.createElement("input");
    input.type = "text";
    input.setAttribute("aria-label", label);
    input.placeholder = label;
    return input;
  }

  function dossierPanel(entityId) {
    const host = document.createElement("sitegen-review");
    const root = host.attachShadow({mode: "open"});
    const style = document.createElement("style");
    style.textContent = STYLE;
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Review this entity";
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    const say = (text) => { status.textContent = text; };
    const type = document.createElement("select");
    type.setAttribute("aria-label", "Type");
    for (const kind of ["person", "place", "organisation"]) type.append(new Option(kind, kind));
    type.value = document.querySelector("[data-entity-type]")?.dataset.entityType || "person";
    const suggestions = document.createElement("ul");
    details.append(summary, suggestions,
      control("Same as", "same", textField("Name of the other entity")),
      control("Not the same as", "not_same", textField("Name of the other entity")),
      control("Set type", "type", type),
      control("Pin Wikipedia title", "wikipedia", textField("Wikipedia title")),
      control("Never link", "wikipedia-false"),
      control("Rename", "rename", textField("New name")),
      control("Ignore: no page", "ignore"),
      control("Undo the last decision", "undo"),
      status);
    root.append(style, details);
    details.addEventListener("submit", (event) => {
      event.preventDefault();
      const form = event.target;
      const action = form.dataset.action;
      if (action === "undo") { send("undo", {}, say); return; }
      const field = form.querySelector("input, select");
      const request = {action, entity: entityId};
      if (action === "wikipedia-false") { request.action = "wikipedia"; request.value = false; }
      else if (field) {
        if (!field.value.trim()) { say("Fill in the box first."); field.focus(); return; }
        request.value = field.value.trim();
      }
      send("act", request, say);
    });
    details.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-accept]");
      if (button) send("act", {action: "accept", accept: JSON.parse(button.dataset.accept)}, say);
    });
    fetch(new URL(`suggestions.json?entity=${encodeURIComponent(entityId)}`, base))
      .then((r) => r.json())
      .then((data) => {
        for (const s of data.suggestions.slice(0, 5)) {
          const names = s.entities.map((id) => (data.entities[id] || {}).name || id).join(" · ");
          const item = document.createElement("li");
          item.textContent = `${s.kind}: ${names} — ${(s.evidence[0] || {}).reason || ""} `;
          if (s.accept) {
            const accept = document.createElement("button");
            accept.type = "button";
            accept.dataset.accept = JSON.stringify(s.accept);
            accept.textContent = "Accept";
            item.append(accept);
          }
          suggestions.append(item);
        }
        // Closed, so that it never hides the page; the summary says what waits inside.
        const n = data.suggestions.length;
        if (n) summary.textContent = `Review this entity (${n} suggestion${n === 1 ? "" : "s"})`;
      })
      .catch(() => {});
    document.body.append(host);
  }

  function start() {
    const page = document.querySelector("[data-review-page]");
    if (page) { reviewPage(page); return; }
    const dossier = document.querySelector("[data-entity-id]");
    if (dossier) dossierPanel(dossier.dataset.entityId);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
