// UI text in German and English, and the shared helpers of the search page and document view.
// The language: ?lang= (remembered), else the one chosen before (localStorage), else the one
// the server picked from Accept-Language (<html data-default-lang>). No HTML parsing anywhere:
// every text from the corpus, the query or the server goes in through textContent.
"use strict";

const CS_TEXT = {
  de: {
    title: "ClusterSearch",
    tagline: "Suche in Dokumenten zur Clusterpolitik der Länder – Deutsch und Englisch.",
    skip: "Zu den Ergebnissen springen",
    langNav: "Sprache der Oberfläche",
    queryLabel: "Ihre Frage oder Suchbegriffe",
    queryPlaceholder: "z. B. Wie viel Geld hat BioCon Valley pro Jahr?",
    submit: "Suchen",
    submitAnswer: "Fragen",
    mode: "Modus",
    modeSearch: "Textstellen finden",
    modeAnswer: "Frage beantworten",
    askUnavailable: "Der Antwortmodus ist auf diesem Server nicht verfügbar; es werden Textstellen gesucht.",
    filters: "Filter",
    filterLang: "Sprache der Dokumente",
    filterRegion: "Land",
    any: "alle",
    results: "Textstellen",
    answer: "Antwort",
    confidence: "Sicherheit",
    noAnswer: "Keine belegte Antwort gefunden.",
    sources: "Belege",
    searching: "Suche läuft …",
    asking: "Antwort wird gesucht …",
    found: (n) => (n === 1 ? "1 Textstelle gefunden." : `${n} Textstellen gefunden.`),
    none: "Keine passenden Textstellen.",
    error: "Fehler",
    rateLimited: (s) => `Zu viele Anfragen. Bitte in ${s} s erneut versuchen.`,
    needsKey: "Dieser Server verlangt einen API-Schlüssel.",
    network: "Der Server ist nicht erreichbar.",
    section: "Abschnitt",
    source: "Quelle",
    score: "Relevanz",
    openCitation: "Im Dokument zeigen",
    langNames: { de: "Deutsch", en: "Englisch" },
    demoLink: "Widget-Demo",
    apiLink: "API-Dokumentation",
    back: "← Zur Suche",
    docLoading: "Dokument wird geladen …",
    docMissing: "Dieses Dokument gibt es nicht (mehr) im Index.",
    cited: (s, e) => `Zitierte Stelle: Zeichen ${s}–${e}.`,
    badCitation: "Die Stelle in der Adresse passt nicht zu diesem Dokument; das ganze Dokument wird gezeigt.",
    language: "Sprache",
    regions: "Länder",
    organisation: "Organisation",
    demoTitle: "Widget-Demo",
    demoIntro: "So sieht die Suche eingebettet in einem Portal aus. Einbinden mit zwei Zeilen:",
  },
  en: {
    title: "ClusterSearch",
    tagline: "Search documents on the Länder's cluster policy – in German and English.",
    skip: "Skip to results",
    langNav: "Interface language",
    queryLabel: "Your question or keywords",
    queryPlaceholder: "e.g. How much money does BioCon Valley get per year?",
    submit: "Search",
    submitAnswer: "Ask",
    mode: "Mode",
    modeSearch: "Find passages",
    modeAnswer: "Answer the question",
    askUnavailable: "Answer mode is not available on this server; passages are searched instead.",
    filters: "Filters",
    filterLang: "Document language",
    filterRegion: "Land (state)",
    any: "all",
    results: "Passages",
    answer: "Answer",
    confidence: "Confidence",
    noAnswer: "No answer with a source was found.",
    sources: "Sources",
    searching: "Searching …",
    asking: "Looking for an answer …",
    found: (n) => (n === 1 ? "1 passage found." : `${n} passages found.`),
    none: "No matching passages.",
    error: "Error",
    rateLimited: (s) => `Too many requests. Please retry in ${s} s.`,
    needsKey: "This server requires an API key.",
    network: "The server cannot be reached.",
    section: "Section",
    source: "Source",
    score: "Relevance",
    openCitation: "Show in document",
    langNames: { de: "German", en: "English" },
    demoLink: "Widget demo",
    apiLink: "API documentation",
    back: "← Back to search",
    docLoading: "Loading the document …",
    docMissing: "This document is not (or no longer) in the index.",
    cited: (s, e) => `Cited passage: characters ${s}–${e}.`,
    badCitation: "The passage in the address does not fit this document; showing the whole document.",
    language: "Language",
    regions: "Länder",
    organisation: "Organisation",
    demoTitle: "Widget demo",
    demoIntro: "This is the search embedded in a portal page. Embed it with two lines:",
  },
};

const CS_LANGS = Object.keys(CS_TEXT);
const CS_STORE_KEY = "clustersearch.lang";

function csPickLang() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (CS_LANGS.includes(fromUrl)) {
    try { localStorage.setItem(CS_STORE_KEY, fromUrl); } catch (_) { /* storage off */ }
    return fromUrl;
  }
  let stored = null;
  try { stored = localStorage.getItem(CS_STORE_KEY); } catch (_) { /* storage off */ }
  if (CS_LANGS.includes(stored)) return stored;
  const fromServer = document.documentElement.dataset.defaultLang;
  return CS_LANGS.includes(fromServer) ? fromServer : "en";
}

let csLang = csPickLang();

function t(key, ...args) {
  const value = CS_TEXT[csLang][key] ?? CS_TEXT.en[key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

// Fills every [data-i18n] element's text, [data-i18n-placeholder] and [data-i18n-label].
function csApplyText() {
  document.documentElement.lang = csLang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of document.querySelectorAll("[data-set-lang]")) {
    el.setAttribute("aria-pressed", String(el.dataset.setLang === csLang));
  }
}

// The language buttons: switch, remember, and tell the page (it re-renders its own parts).
function csInitLangSwitch(onChange) {
  for (const el of document.querySelectorAll("[data-set-lang]")) {
    el.addEventListener("click", () => {
      csLang = el.dataset.setLang;
      try { localStorage.setItem(CS_STORE_KEY, csLang); } catch (_) { /* storage off */ }
      const url = new URL(location.href);
      url.searchParams.set("lang", csLang);
      history.replaceState(null, "", url);
      csApplyText();
      if (onChange) onChange();
    });
  }
  csApplyText();
}

// Python counts characters in code points, JavaScript strings in UTF-16 units: citation and
// highlight offsets are code points, so text is sliced through an array of code points.
function csCodePoints(text) {
  return Array.from(text);
}

// Appends `text` to `parent` with the [start, end) spans (code-point offsets) in <mark>.
// Spans that overlap, go backwards or leave the text are skipped, never trusted.
function csAppendMarked(parent, text, spans) {
  const chars = csCodePoints(text);
  const clean = (Array.isArray(spans) ? spans : [])
    .filter((s) => s && Number.isInteger(s.start) && Number.isInteger(s.end))
    .filter((s) => s.start >= 0 && s.end <= chars.length && s.start < s.end)
    .sort((a, b) => a.start - b.start);
  let at = 0;
  for (const span of clean) {
    if (span.start < at) continue;
    if (span.start > at) parent.append(document.createTextNode(chars.slice(at, span.start).join("")));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(span.start, span.end).join("");
    parent.append(mark);
    at = span.end;
  }
  if (at < chars.length) parent.append(document.createTextNode(chars.slice(at).join("")));
}

function csElement(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function csLangName(code) {
  return CS_TEXT[csLang].langNames[code] || code;
}

function csCitationHref(citation) {
  const id = encodeURIComponent(citation.document_id);
  return `/documents/${id}/view#c=${Number(citation.start)}-${Number(citation.end)}`;
}
