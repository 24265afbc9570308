// <cluster-search> — ClusterSearch for any portal page, no framework, no build step.
//
//   <script src="https://search.example.org/widget.js" defer></script>
//   <cluster-search lang="de" region="Sachsen"></cluster-search>
//
// Attributes: api (the service's origin; default: where this script came from), lang (UI
// language and the language of the passages, "de"/"en"), region (a Land: only passages about
// it), k (results, default 5), ui-lang (UI language only, when passages may be in any
// language), api-key (a read key, when the service requires one).
// Theme with CSS custom properties on the element: --cs-accent, --cs-font, --cs-fg, --cs-bg,
// --cs-muted, --cs-mark, --cs-border, --cs-radius. Styles live in a shadow root; all text
// from the service is inserted as text nodes, never as markup.
(() => {
  "use strict";
  if (!window.customElements || customElements.get("cluster-search")) return;

  const SCRIPT_ORIGIN = (() => {
    try {
      return new URL(document.currentScript.src).origin;
    } catch (_) {
      return location.origin;
    }
  })();

  const TEXT = {
    de: {
      label: "Suche in Dokumenten zur Clusterpolitik",
      placeholder: "Frage oder Suchbegriffe",
      submit: "Suchen",
      searching: "Suche läuft …",
      found: (n) => (n === 1 ? "1 Textstelle gefunden." : `${n} Textstellen gefunden.`),
      none: "Keine passenden Textstellen.",
      empty: "Bitte eine Frage oder Suchbegriffe eingeben.",
      rateLimited: (s) => `Zu viele Anfragen. Bitte in ${s} s erneut versuchen.`,
      network: "Der Suchdienst ist nicht erreichbar.",
      error: "Fehler",
      section: "Abschnitt",
      source: "Quelle",
      powered: "Suche: ClusterSearch",
    },
    en: {
      label: "Search documents on cluster policy",
      placeholder: "Question or keywords",
      submit: "Search",
      searching: "Searching …",
      found: (n) => (n === 1 ? "1 passage found." : `${n} passages found.`),
      none: "No matching passages.",
      empty: "Please enter a question or keywords.",
      rateLimited: (s) => `Too many requests. Please retry in ${s} s.`,
      network: "The search service cannot be reached.",
      error: "Error",
      section: "Section",
      source: "Source",
      powered: "Search: ClusterSearch",
    },
  };

  const CSS = `
    :host {
      display: block;
      font-family: var(--cs-font, inherit);
      color: var(--cs-fg, #1b1f24);
      background: var(--cs-bg, #ffffff);
      line-height: 1.5;
      border: 1px solid var(--cs-border, #c9d0d9);
      border-radius: var(--cs-radius, 0.25rem);
      padding: 0.75rem;
    }
    :host([hidden]) { display: none; }
    * { box-sizing: border-box; }
    label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem; }
    input {
      flex: 1 1 12rem; min-width: 0; font: inherit; padding: 0.45rem 0.6rem; color: inherit;
      background: var(--cs-bg, #ffffff); border: 2px solid var(--cs-muted, #4a5360);
      border-radius: var(--cs-radius, 0.25rem);
    }
    button {
      font: inherit; font-weight: 600; padding: 0.45rem 1rem; border: 0; cursor: pointer;
      background: var(--cs-accent, #0b4f8a); color: var(--cs-accent-fg, #ffffff);
      border-radius: var(--cs-radius, 0.25rem);
    }
    :focus-visible { outline: 3px solid var(--cs-focus, #b34700); outline-offset: 2px; }
    .status { min-height: 1.5em; margin: 0.5rem 0 0; color: var(--cs-muted, #4a5360); }
    .status.error { color: var(--cs-error, #a4161a); font-weight: 600; }
    ol { list-style: none; margin: 0; padding: 0; }
    li { border-top: 1px solid var(--cs-border, #c9d0d9); padding: 0.6rem 0; }
    h3 { margin: 0; font-size: 1rem; overflow-wrap: anywhere; }
    a { color: var(--cs-accent, #0b4f8a); }
    .meta { margin: 0.1rem 0; font-size: 0.875rem; color: var(--cs-muted, #4a5360); overflow-wrap: anywhere; }
    .passage { margin: 0.25rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    mark { background: var(--cs-mark, #ffe27a); color: var(--cs-fg, #1b1f24); border-radius: 0.15em; }
    .powered { margin: 0.5rem 0 0; font-size: 0.75rem; color: var(--cs-muted, #4a5360); text-align: right; }
  `;

  let sharedSheet = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Offsets are code points (as the API counts them); spans are checked, not trusted.
  function appendMarked(parent, text, spans) {
    const chars = Array.from(text);
    const clean = (Array.isArray(spans) ? spans : [])
      .filter((s) => s && Number.isInteger(s.start) && Number.isInteger(s.end))
      .filter((s) => s.start >= 0 && s.end <= chars.length && s.start < s.end)
      .sort((a, b) => a.start - b.start);
    let at = 0;
    for (const span of clean) {
      if (span.start < at) continue;
      if (span.start > at) parent.append(chars.slice(at, span.start).join(""));
      parent.append(el("mark", null, chars.slice(span.start, span.end).join("")));
      at = span.end;
    }
    if (at < chars.length) parent.append(chars.slice(at).join(""));
  }

  class ClusterSearchElement extends HTMLElement {
    static get observedAttributes() {
      return ["lang", "ui-lang"];
    }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      this.attachStyles(root);
      this.form = el("form");
      this.form.setAttribute("role", "search");
      this.form.setAttribute("part", "form");
      this.label = el("label");
      this.label.htmlFor = "q";
      this.input = el("input");
      this.input.id = "q";
      this.input.type = "search";
      this.input.maxLength = 1000;
      this.input.autocomplete = "off";
      this.button = el("button");
      this.button.type = "submit";
      const row = el("div", "row");
      row.append(this.input, this.button);
      this.form.append(this.label, row);
      this.status = el("p", "status");
      this.status.setAttribute("role", "status");
      this.status.setAttribute("aria-live", "polite");
      this.list = el("ol");
      this.list.setAttribute("part", "results");
      this.powered = el("p", "powered");
      root.append(this.form, this.status, this.list, this.powered);
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.search();
      });
      this.last = null;
    }

    attachStyles(root) {
      // A constructed stylesheet needs no inline <style>, so strict portal CSPs allow it.
      if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
        try {
          if (!sharedSheet) {
            sharedSheet = new CSSStyleSheet();
            sharedSheet.replaceSync(CSS);
          }
          root.adoptedStyleSheets = [sharedSheet];
          return;
        } catch (_) {
          sharedSheet = null;
        }
      }
      root.append(el("style", null, CSS));
    }

    connectedCallback() {
      this.applyText();
    }

    attributeChangedCallback() {
      this.applyText();
    }

    get uiLang() {
      for (const candidate of [this.getAttribute("ui-lang"), this.getAttribute("lang"), document.documentElement.lang]) {
        const code = (candidate || "").slice(0, 2).toLowerCase();
        if (TEXT[code]) return code;
      }
      return "en";
    }

    get api() {
      return (this.getAttribute("api") || SCRIPT_ORIGIN).replace(/\/+$/, "");
    }

    t(key, ...args) {
      const value = TEXT[this.uiLang][key];
      return typeof value === "function" ? value(...args) : value;
    }

    applyText() {
      this.label.textContent = this.t("label");
      this.input.placeholder = this.t("placeholder");
      this.button.textContent = this.t("submit");
      this.powered.textContent = this.t("powered");
      if (this.last) this.renderResults(this.last);
    }

    setStatus(text, isError) {
      this.status.textContent = text;
      this.status.classList.toggle("error", Boolean(isError));
    }

    async search() {
      const q = this.input.value.trim();
      if (!q) {
        this.setStatus(this.t("empty"), true);
        this.input.focus();
        return;
      }
      const k = Number.parseInt(this.getAttribute("k") || "5", 10);
      const params = new URLSearchParams({ q, k: String(Number.isInteger(k) && k > 0 ? k : 5) });
      const lang = this.getAttribute("lang");
      const region = this.getAttribute("region");
      if (lang) params.set("lang", lang);
      if (region) params.set("region", region);
      const headers = {};
      const key = this.getAttribute("api-key");
      if (key) headers["X-API-Key"] = key;
      this.setStatus(this.t("searching"));
      this.setAttribute("aria-busy", "true");
      let response;
      try {
        response = await fetch(`${this.api}/search?${params}`, { headers, credentials: "omit" });
      } catch (_) {
        this.removeAttribute("aria-busy");
        this.setStatus(this.t("network"), true);
        return;
      }
      this.removeAttribute("aria-busy");
      if (!response.ok) {
        this.setStatus(await this.errorText(response), true);
        return;
      }
      this.last = await response.json();
      this.renderResults(this.last);
      this.dispatchEvent(new CustomEvent("cluster-search-results", { detail: this.last }));
    }

    async errorText(response) {
      if (response.status === 429) {
        return this.t("rateLimited", response.headers.get("Retry-After") || "60");
      }
      let detail = response.statusText;
      try {
        detail = String((await response.json()).detail || detail);
      } catch (_) {
        // keep the status text
      }
      return `${this.t("error")} ${response.status}: ${detail}`;
    }

    renderResults(body) {
      const results = Array.isArray(body.results) ? body.results : [];
      this.list.replaceChildren();
      for (const result of results) {
        const c = result.citation || {};
        const item = el("li");
        const heading = el("h3");
        const link = el("a", null, c.title || c.document_id);
        link.href = `${this.api}/documents/${encodeURIComponent(c.document_id)}/view#c=${Number(c.start)}-${Number(c.end)}`;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        heading.append(link);
        const meta = [];
        if (c.section) meta.push(`${this.t("section")}: ${c.section}`);
        if (c.source) meta.push(`${this.t("source")}: ${c.source}`);
        const passage = el("p", "passage");
        if (c.language) passage.lang = c.language;
        appendMarked(passage, String(result.text || ""), result.highlights);
        item.append(heading, el("p", "meta", meta.join(" · ")), passage);
        this.list.append(item);
      }
      this.setStatus(results.length ? this.t("found", results.length) : this.t("none"));
    }
  }

  customElements.define("cluster-search", ClusterSearchElement);
})();
