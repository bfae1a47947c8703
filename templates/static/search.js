/* The search page: loads Pagefind's interface from this site's own pagefind/ folder and
   runs the query given in the address (?q=...), so a plain form can lead here. If the
   index was not built, says so instead of failing silently.
   A large site's index comes in shards (pagefind/shards.json names all but the first):
   they are merged into the first before the interface starts, all at once, so its filters
   and results cover every shard. */
(function () {
  "use strict";
  var box = document.getElementById("search");
  var status = document.getElementById("search-status");
  if (!box) return;
  var bundle = new URL(box.getAttribute("data-bundle"), location.href);
  // Pagefind stores each result's path from the site root; under a sub-path
  // (https://example.org/news/) the root's own path is put in front.
  var siteRoot = new URL(box.getAttribute("data-root"), location.href).pathname;

  function unavailable() {
    status.textContent = "Search is not available on this copy of the site: its search index was not built.";
  }

  function otherShards() {
    // Without the list (an index made before shards), the first shard is the whole index.
    return fetch(new URL("shards.json", bundle).href).then(function (response) {
      return response.ok ? response.json().then(function (list) { return list.merge || []; }) : [];
    }, function () { return []; });
  }

  function mergeShards(shards) {
    if (!shards.length) return Promise.resolve();
    // The interface imports this same module, so what is merged here is what it searches.
    return import(new URL("pagefind.js", bundle).href).then(function (pagefind) {
      return Promise.all(shards.map(function (shard) {
        return pagefind.mergeIndex(new URL(shard, bundle).pathname, { baseUrl: siteRoot }).then(
          function () { return true; }, function () { return false; });
      }));
    }).then(function (loaded) {
      if (loaded.indexOf(false) >= 0) {
        status.textContent = "Part of the search index could not be loaded: some pages may be missing from the results.";
      }
    });
  }

  function start() {
    if (typeof PagefindUI !== "function") { unavailable(); return; }
    var ui = new PagefindUI({
      element: "#search",
      bundlePath: bundle.pathname,
      baseUrl: siteRoot,
      showSubResults: true,
      showImages: false,
      resetStyles: false,
      autofocus: !new URLSearchParams(location.search).get("q")
    });
    // Pagefind's input is named only by its title attribute; give it a proper name.
    var input = box.querySelector("input[type=text], input[type=search]");
    if (input) input.setAttribute("aria-label", "Search dossiers and articles");
    var query = new URLSearchParams(location.search).get("q");
    if (query) ui.triggerSearch(query);
  }

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("pagefind-ui.css", bundle).href;
  document.head.appendChild(style);

  var script = document.createElement("script");
  script.src = new URL("pagefind-ui.js", bundle).href;
  script.onerror = unavailable;
  script.onload = function () {
    otherShards().then(mergeShards).then(start, unavailable);
  };
  document.head.appendChild(script);
})();
