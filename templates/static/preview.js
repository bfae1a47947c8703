/* Article pages: hovering or focusing an entity link shows what the entity is.
   Progressive enhancement: without this script the links work as plain links, and their
   title attribute says the name and type. The preview stays while the pointer is over
   it, and Escape closes it (WCAG 1.4.13). */
(function () {
  "use strict";
  var source = document.getElementById("entity-previews");
  if (!source) return;
  var previews;
  try { previews = JSON.parse(source.textContent); } catch (e) { return; }

  var tip = document.createElement("div");
  tip.id = "entity-preview";
  tip.className = "entity-preview";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  var current = null;
  var hideTimer = null;

  function previewOf(link) {
    return link && Object.prototype.hasOwnProperty.call(previews, link.getAttribute("href"))
      ? previews[link.getAttribute("href")] : null;
  }

  function add(tag, className, text) {
    var el = document.createElement(tag);
    el.className = className;
    el.textContent = text;
    tip.appendChild(el);
  }

  function place(link) {
    var r = link.getBoundingClientRect();
    var width = Math.min(320, document.documentElement.clientWidth - 16);
    tip.style.maxWidth = width + "px";
    var left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8));
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    var below = tip.getBoundingClientRect();
    if (below.bottom > window.innerHeight && r.top > below.height + 12) {
      tip.style.top = (r.top + window.scrollY - below.height - 6) + "px";
    }
  }

  function show(link) {
    var p = previewOf(link);
    if (!p) return;
    clearTimeout(hideTimer);
    if (current && current !== link) current.removeAttribute("aria-describedby");
    current = link;
    tip.textContent = "";
    add("strong", "preview-name", p.name);
    add("span", "preview-type", p.type);
    if (p.description) add("p", "preview-description", p.description);
    add("p", "preview-count", p.count);
    tip.hidden = false;
    place(link);
    link.setAttribute("aria-describedby", tip.id);
  }

  function hide() {
    clearTimeout(hideTimer);
    tip.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 250);
  }

  // The preview replaces the browser's own title tooltip, which would cover it.
  Array.prototype.forEach.call(document.querySelectorAll("a.mention[title]"), function (a) {
    if (previewOf(a)) a.removeAttribute("title");
  });

  document.addEventListener("mouseover", function (e) {
    var link = e.target.closest && e.target.closest("a.mention");
    if (link) show(link);
    else if (tip.contains(e.target)) clearTimeout(hideTimer);
  });
  document.addEventListener("mouseout", function (e) {
    var link = e.target.closest && e.target.closest("a.mention");
    if (link || tip.contains(e.target)) hideSoon();
  });
  document.addEventListener("focusin", function (e) {
    var link = e.target.closest && e.target.closest("a.mention");
    if (link) show(link); else hide();
  });
  document.addEventListener("focusout", function (e) {
    if (e.target === current) hideSoon();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !tip.hidden) hide();
  });
})();
