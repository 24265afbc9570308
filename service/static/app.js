// The search page: one query box, search or answer mode, language and Land filters, cited
// results. Works with whatever the server offers: no highlights → plain passages; no facets →
// filters from the document list; no /ask → answer mode off with a note. Text only via DOM.
"use strict";

const page = {
  caps: { ask: true, region: true },
  regions: new Set(),
  langs: new Set(["de", "en"]),
  facets: null,
  last: null, // { kind: "search" | "answer", body }
};

const byId = (id) => document.getElementById(id);

async function loadCapabilities() {
  // The OpenAPI description says which routes and parameters this server has.
  try {
    const response = await fetch("/openapi.json");
    if (!response.ok) return;
    const spec = await response.json();
    const paths = spec.paths || {};
    page.caps.ask = Boolean(paths["/ask"] && paths["/ask"].post);
    const get = paths["/search"] && paths["/search"].get;
    const params = (get && get.parameters) || [];
    page.caps.region = params.some((p) => p && p.name === "region");
  } catch (_) {
    // No description: assume everything and let the requests tell.
  }
}

async function loadDocumentFacets() {
  try {
    const response = await fetch("/documents");
    if (!response.ok) return;
    for (const doc of await response.json()) {
      if (doc.language) page.langs.add(doc.language);
      for (const region of doc.regions || []) page.regions.add(region);
    }
  } catch (_) {
    // The filters keep their static lists.
  }
}

function fillSelect(select, values, counts, label) {
  const chosen = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const value of values) {
    const option = document.createElement("option");
    option.value = value;
    const count = counts && Object.hasOwn(counts, value) ? ` (${Number(counts[value])})` : "";
    option.textContent = label(value) + count;
    select.append(option);
  }
  select.value = values.includes(chosen) ? chosen : "";
}

function renderFilters() {
  const facets = page.facets || {};
  for (const key of Object.keys(facets.lang || {})) page.langs.add(key);
  for (const key of Object.keys(facets.region || {})) page.regions.add(key);
  const langs = [...page.langs].sort();
  fillSelect(byId("f-lang"), langs, facets.lang, csLangName);
  const regions = [...page.regions].sort((a, b) => a.localeCompare(b, "de"));
  fillSelect(byId("f-region"), regions, facets.region, (r) => r);
  byId("region-filter").hidden = !page.caps.region || regions.length === 0;
}

function currentMode() {
  const checked = document.querySelector('input[name="mode"]:checked');
  return checked && checked.value === "answer" && page.caps.ask ? "answer" : "search";
}

function renderMode() {
  const answerRadio = byId("mode-answer");
  answerRadio.disabled = !page.caps.ask;
  if (!page.caps.ask && answerRadio.checked) {
    document.querySelector('input[name="mode"][value="search"]').checked = true;
  }
  byId("mode-note").hidden = page.caps.ask;
  byId("submit").textContent = t(currentMode() === "answer" ? "submitAnswer" : "submit");
}

function setStatus(text, isError) {
  const status = byId("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

function metaLine(citation, score) {
  const parts = [];
  if (citation.section) parts.push(`${t("section")}: ${citation.section}`);
  if (citation.source) parts.push(`${t("source")}: ${citation.source}`);
  if (citation.language) parts.push(csLangName(citation.language));
  if (Array.isArray(citation.regions) && citation.regions.length > 0 && citation.regions.length <= 3) {
    parts.push(citation.regions.join(", "));
  }
  if (Number.isInteger(citation.page)) parts.push(`S./p. ${citation.page}`);
  if (typeof score === "number") parts.push(`${t("score")}: ${score.toFixed(2)}`);
  return parts.join(" · ");
}

function renderResults(results) {
  const list = byId("result-list");
  list.replaceChildren();
  for (const result of results || []) {
    const citation = result.citation || {};
    const item = csElement("li", "result");
    const heading = csElement("h3", "result-title");
    const link = csElement("a", null, citation.title || citation.document_id);
    link.href = csCitationHref(citation);
    heading.append(link);
    const passage = csElement("p", "passage");
    if (citation.language) passage.lang = citation.language; // read aloud in its own language
    csAppendMarked(passage, String(result.text || ""), result.highlights);
    item.append(heading, csElement("p", "meta", metaLine(citation, result.score)), passage);
    list.append(item);
  }
  byId("results").hidden = false;
}

function renderAnswer(body) {
  const section = byId("answer");
  const hasAnswer = typeof body.answer === "string" && body.answer.length > 0;
  byId("answer-text").textContent = hasAnswer ? body.answer : t("noAnswer");
  const meta = [];
  if (typeof body.confidence === "number") {
    meta.push(`${t("confidence")}: ${Math.round(body.confidence * 100)} %`);
  }
  if (body.reason) meta.push(String(body.reason));
  byId("answer-meta").textContent = meta.join(" · ");
  const list = byId("answer-citations");
  list.replaceChildren();
  for (const citation of body.citations || []) {
    const item = csElement("li", "citation");
    const link = csElement("a", null, citation.section ? `${citation.title} – ${citation.section}` : citation.title);
    link.href = csCitationHref(citation);
    item.append(link);
    if (citation.text) item.append(csElement("q", "cited", citation.text));
    list.append(item);
  }
  section.hidden = false;
}

function render() {
  const last = page.last;
  if (!last) return;
  const body = last.body;
  if (last.kind === "answer") {
    renderAnswer(body);
    renderResults(body.passages);
    const n = (body.passages || []).length;
    setStatus(n ? t("found", n) : t("none"));
  } else {
    byId("answer").hidden = true;
    renderResults(body.results);
    const n = (body.results || []).length;
    setStatus(n ? t("found", n) : t("none"));
  }
  renderFilters();
}

async function errorText(response) {
  if (response.status === 429) {
    return t("rateLimited", response.headers.get("Retry-After") || "60");
  }
  let detail = "";
  try {
    detail = String((await response.json()).detail || "");
  } catch (_) {
    detail = response.statusText;
  }
  if (response.status === 401) return `${t("needsKey")} ${detail}`;
  return `${t("error")} ${response.status}: ${detail}`;
}

function syncUrl(q, mode, lang, region) {
  const url = new URL(location.href);
  url.search = "";
  url.searchParams.set("q", q);
  if (mode === "answer") url.searchParams.set("mode", "answer");
  if (lang) url.searchParams.set("doclang", lang);
  if (region) url.searchParams.set("region", region);
  url.searchParams.set("lang", csLang);
  history.replaceState(null, "", url);
}

async function run() {
  const q = byId("q").value.trim();
  if (!q) {
    setStatus(t("queryLabel"), true);
    byId("q").focus();
    return;
  }
  const mode = currentMode();
  const lang = byId("f-lang").value || null;
  const region = page.caps.region ? byId("f-region").value || null : null;
  syncUrl(q, mode, lang, region);
  setStatus(t(mode === "answer" ? "asking" : "searching"));
  let response;
  try {
    if (mode === "answer") {
      const body = { question: q, k: 5 };
      if (lang) body.lang = lang;
      if (region) body.region = region;
      response = await fetch("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.status === 404 && (await response.clone().json().catch(() => ({}))).detail === "Not Found") {
        // This server has no /ask: answer mode off, search instead.
        page.caps.ask = false;
        renderMode();
        return run();
      }
    } else {
      const params = new URLSearchParams({ q, k: "10" });
      if (lang) params.set("lang", lang);
      if (region) params.set("region", region);
      response = await fetch(`/search?${params}`);
    }
  } catch (_) {
    setStatus(t("network"), true);
    return;
  }
  if (!response.ok) {
    setStatus(await errorText(response), true);
    return;
  }
  const body = await response.json();
  page.facets = body.facets && typeof body.facets === "object" ? body.facets : page.facets;
  page.last = { kind: mode, body };
  render();
}

function restoreFromUrl() {
  const params = new URLSearchParams(location.search);
  byId("q").value = params.get("q") || "";
  if (params.get("mode") === "answer") byId("mode-answer").checked = true;
  return { lang: params.get("doclang") || "", region: params.get("region") || "" };
}

async function main() {
  csInitLangSwitch(() => {
    renderMode();
    render();
    renderFilters();
  });
  const wanted = restoreFromUrl();
  await Promise.all([loadCapabilities(), loadDocumentFacets()]);
  if (wanted.region) page.regions.add(wanted.region);
  if (wanted.lang) page.langs.add(wanted.lang);
  renderFilters();
  byId("f-lang").value = wanted.lang;
  byId("f-region").value = wanted.region;
  renderMode();
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", renderMode);
  }
  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  document.body.dataset.ready = "true";
  if (byId("q").value.trim()) await run();
}

main();
