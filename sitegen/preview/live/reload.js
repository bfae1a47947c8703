// Live reload for `sitegen serve`: never part of a built site.
//
// The server tells every open page, over Server-Sent Events, which build of the site it
// serves and what went wrong in the latest build. A page reloads when the site changed
// since it was served, shows the build's errors over the page while there are any, and
// waits until it is visible again before reloading a hidden tab.
(() => {
  "use strict";
  const script = document.currentScript;
  const served = script ? script.dataset.site : null;
  const eventsUrl = script ? new URL("events", script.src).href : "/__sitegen/events";
  let source = null;
  let reloadWhenVisible = false;

  function reload() {
    if (document.hidden) {
      reloadWhenVisible = true;
      // Visible in the developer tools, and to tests: a reload waits for the tab.
      document.documentElement.dataset.sitegenReload = "when-visible";
    } else {
      location.reload();
    }
  }

  function onStatus(event) {
    const status = JSON.parse(event.data);
    if (status.problems.length) {
      showOverlay(status.problems);
    } else {
      hideOverlay();
    }
    if (served !== null && status.site !== served) {
      reload();
    }
  }

  function connect() {
    source = new EventSource(eventsUrl);
    source.addEventListener("status", onStatus);
    source.addEventListener("error", () => {
      // EventSource reconnects by itself (the server asks for a retry after one second),
      // which is what a visible page wants after a server restart. A hidden tab stays
      // quiet instead and connects again when it is shown.
      if (document.hidden && source) {
        source.close();
        source = null;
      }
    });
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      return;
    }
    if (reloadWhenVisible) {
      location.reload();
    } else if (!source) {
      connect();
    }
  });

  // ---- the error overlay ------------------------------------------------------------

  const OVERLAY_ID = "sitegen-build-errors";
  const STYLE = `
    :host { all: initial; position: fixed; inset: 0 0 auto 0; z-index: 2147483647; }
    section { margin: 1rem; padding: 1rem 1.25rem; max-height: 80vh; overflow: auto;
      background: #fff5f5; color: #3b0a0a; border: 2px solid #c53030; border-radius: 6px;
      box-shadow: 0 4px 24px rgba(0,0,0,.25); font: 15px/1.45 system-ui, sans-serif; }
    h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
    p { margin: 0 0 .75rem; }
    ul { margin: 0; padding: 0; list-style: none; }
    li { margin: .5rem 0; padding-top: .5rem; border-top: 1px solid #f3caca; }
    .where { font: 600 14px/1.4 ui-monospace, monospace; }
    .hint { color: #6b2020; }
  `;

  function showOverlay(problems) {
    hideOverlay();
    const host = document.createElement("sitegen-build-errors");
    host.id = OVERLAY_ID;
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const box = document.createElement("section");
    box.setAttribute("role", "alert");
    const heading = document.createElement("h2");
    heading.textContent = problems.length === 1 ? "The site could not be rebuilt" : `The site could not be rebuilt (${problems.length} problems)`;
    const note = document.createElement("p");
    note.textContent = "You are seeing the last version that built. Fix the file and save: this message goes away by itself.";
    const list = document.createElement("ul");
    for (const problem of problems) {
      const item = document.createElement("li");
      if (problem.file) {
        const where = document.createElement("div");
        where.className = "where";
        where.textContent = problem.line ? `${problem.file}:${problem.line}` : problem.file;
        item.append(where);
      }
      const message = document.createElement("div");
      message.className = "message";
      message.textContent = problem.message;
      item.append(message);
      if (problem.hint) {
        const hint = document.createElement("div");
        hint.className = "hint";
        hint.textContent = problem.hint;
        item.append(hint);
      }
      list.append(item);
    }
    box.append(heading, note, list);
    root.append(style, box);
    document.documentElement.append(host);
  }

  function hideOverlay() {
    const old = document.getElementById(OVERLAY_ID);
    if (old) {
      old.remove();
    }
  }

  connect();
})();
