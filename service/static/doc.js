// The document view: the whole document, the cited span (#c=START-END, code-point offsets as
// in the API) in <mark>, scrolled into view and focused. Text only via DOM nodes.
"use strict";

const view = { doc: null, missing: false };

function documentId() {
  // /documents/{id}/view
  const parts = location.pathname.split("/");
  try {
    return decodeURIComponent(parts[2] || "");
  } catch (_) {
    return "";
  }
}

function citedSpan() {
  const match = /^#c=(\d+)-(\d+)$/.exec(location.hash);
  return match ? { start: Number(match[1]), end: Number(match[2]) } : null;
}

function renderMeta(doc) {
  const meta = document.getElementById("doc-meta");
  meta.replaceChildren();
  const rows = [
    ["language", csLangName(doc.language)],
    ["source", doc.source],
    ["regions", (doc.regions || []).join(", ")],
    ["organisation", doc.organisation],
  ];
  for (const [key, value] of rows) {
    if (!value) continue;
    meta.append(csElement("dt", null, t(key)), csElement("dd", null, value));
  }
}

function renderDocument() {
  const status = document.getElementById("status");
  if (view.missing) {
    status.textContent = t("docMissing");
    status.classList.add("error");
    return;
  }
  const doc = view.doc;
  if (!doc) return;
  document.title = `${doc.title} – ClusterSearch`;
  document.getElementById("doc-title").textContent = doc.title;
  renderMeta(doc);
  const body = document.getElementById("doc-text");
  body.replaceChildren();
  if (doc.language) body.lang = doc.language; // read aloud in the document's language
  document.getElementById("doc-title").lang = doc.language || "";
  const span = citedSpan();
  const length = csCodePoints(doc.text).length;
  const fits = span && span.start < span.end && span.end <= length;
  csAppendMarked(body, doc.text, fits ? [span] : []);
  status.classList.toggle("error", Boolean(span && !fits));
  status.textContent = fits ? t("cited", span.start, span.end) : span ? t("badCitation") : "";
  const mark = body.querySelector("mark");
  if (mark) {
    mark.id = "cited";
    mark.tabIndex = -1;
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  }
}

async function main() {
  csInitLangSwitch(renderDocument);
  document.getElementById("status").textContent = t("docLoading");
  const id = documentId();
  try {
    const response = await fetch(`/documents/${encodeURIComponent(id)}`);
    if (response.ok) view.doc = await response.json();
    else view.missing = true;
  } catch (_) {
    document.getElementById("status").textContent = t("network");
    return;
  }
  renderDocument();
  window.addEventListener("hashchange", renderDocument);
  document.body.dataset.ready = "true";
}

main();
