/* Pagefind's module as the search page's interface sees it: the same functions, but the
   results the shard list names as stale are dropped, and taken out of the counts by type.

   A shard indexed before some of its pages changed is kept as it was, and those pages are
   indexed again in a small shard of their own (see sitegen/site/search_recent.py); the
   shard list (pagefind/shards.json, key "stale") names what the older shards still hold of
   them, and the pages the small shard holds only for its word statistics: each result's id
   (its fragment's name) with its type.

   Pagefind's interface loads "pagefind.js" from the folder it is given (bundlePath) and
   calls only what a module exports, so this module stands in for Pagefind's own; search.js
   hands it that module and the stale ids with use() before the interface starts. */
let real = null;
let stale = new Map();
let staleByType = {};

export function use(module, staleTypes) {
  real = module;
  stale = new Map(Object.entries(staleTypes || {}));
  staleByType = {};
  for (const type of stale.values()) staleByType[type] = (staleByType[type] || 0) + 1;
}

export function options(settings) {
  const own = { ...settings };
  delete own.bundlePath; // Pagefind finds its own files from where it was loaded
  return real.options(own);
}
export const init = (...args) => real.init(...args);
export const mergeIndex = (...args) => real.mergeIndex(...args);
export const preload = (...args) => real.preload(...args);
export const destroy = (...args) => real.destroy(...args);

export async function filters() {
  return withoutCounts(await real.filters(), staleByType);
}

export async function search(term, settings) {
  return clean(await real.search(term, settings), term, settings);
}

export async function debouncedSearch(term, settings, wait) {
  const found = await real.debouncedSearch(term, settings, wait);
  return found === null ? null : clean(found, term, settings);
}

async function clean(found, term, settings) {
  if (!stale.size || !found || !Array.isArray(found.results)) return found;
  // The counts by type are of the term's results whatever type is chosen: the stale ones
  // among them are known only from the same search with no type chosen.
  const chosen = settings && settings.filters && Object.keys(settings.filters).length;
  const everyType = chosen ? await real.search(term, { ...settings, filters: {} }) : found;
  const dropped = {};
  let droppedCount = 0;
  for (const result of everyType.results) {
    if (stale.has(result.id)) {
      const type = stale.get(result.id);
      dropped[type] = (dropped[type] || 0) + 1;
      droppedCount += 1;
    }
  }
  return {
    ...found,
    results: found.results.filter((result) => !stale.has(result.id)),
    unfilteredResultCount: Math.max(0, (found.unfilteredResultCount || 0) - droppedCount),
    filters: withoutCounts(found.filters, dropped),
    totalFilters: withoutCounts(found.totalFilters, staleByType),
  };
}

function withoutCounts(counts, byType) {
  if (!counts || !counts.type) return counts;
  const type = { ...counts.type };
  for (const [name, count] of Object.entries(byType)) {
    if (name in type) type[name] = Math.max(0, type[name] - count);
  }
  return { ...counts, type };
}
