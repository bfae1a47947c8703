/* The search page: loads Pagefind's interface from this site's own pagefind/ folder and
   runs the query given in the address (?q=...), so a plain form can lead here. If the
   index was not built, says so instead of failing silently.
   A large site's index comes in shards (pagefind/shards.json names all but the first):
   they are merged into the first before the interface starts, all at once, so its filters
   and results cover every shard. The interface reads them through search/pagefind.js,
   which drops the results the list names as stale (pages changed since their shard was
   indexed, found again in the shard of recent pages). */
(function () {
  "use strict";
  // Where this script was loaded from: the module beside it is found from there.
  var here = document.currentScript ? document.currentScript.src : location.href;
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

  var layer = new URL("search/", here);  // the folder of the module the interface loads

  function shardList() {
    // Without the list (an index made before shards), the first shard is the whole index.
    return fetch(new URL("shards.json", bundle).href).then(function (response) {
      return response.ok ? response.json() : {};
    }, function () { return {}; }).then(function (list) {
      return { merge: list.merge || [], stale: list.stale || {} };
    });
  }

  function mergeShards(list) {
    return Promise.all([import(new URL("pagefind.js", bundle).href), import(new URL("pagefind.js", layer).href)])
      .then(function (modules) {
        // The interface imports the stand-in, which searches through this very module, so
        // what is merged here is what it searches.
        modules[1].use(modules[0], list.stale);
        return Promise.all(list.merge.map(function (shard) {
          return modules[0].mergeIndex(new URL(shard, bundle).pathname, { baseUrl: siteRoot }).then(
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
      bundlePath: layer.pathname,
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
    shardList().then(mergeShards).then(start, unavailable);
  };
  document.head.appendChild(script);
})();
