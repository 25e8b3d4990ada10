// Behaviour Gradio has no component for, delegated from the document so it survives re-renders:
// source chips and criteria rows ask the server for what they point at (through a hidden textbox
// whose change event the server listens to), page images zoom, J/K move between review items, and
// an Enter that only confirms a Japanese IME conversion never sends the question.
(() => {
  const ask = (bridgeId, value) => {
    const box = document.querySelector(`#${bridgeId} textarea, #${bridgeId} input`);
    if (!box) return;
    box.value = `${value}#${Date.now()}`;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const zoom = (figure, how) => {
    const scroll = figure.querySelector(".ra-page-scroll");
    if (!scroll) return;
    const now = parseFloat(scroll.style.getPropertyValue("--ra-zoom")) || 1;
    const next = how === "in" ? Math.min(now * 1.5, 4) : how === "out" ? Math.max(now / 1.5, 1) : 1;
    scroll.style.setProperty("--ra-zoom", String(next));
    figure.classList.toggle("ra-zoomed", next > 1);
  };

  const visible = (selector) => {
    const el = document.querySelector(selector);
    return el !== null && el.offsetParent !== null;
  };

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const chip = target.closest(".ra-chip");
    if (chip) {
      const ref = [...chip.classList].find((c) => c.startsWith("ra-ref-"));
      if (ref) ask("ra-source-req", ref);
      event.preventDefault();
      return;
    }
    const row = target.closest(".ra-crit[data-item]");
    if (row) {
      ask("ra-item-pick", row.dataset.item);
      return;
    }
    const retry = target.closest(".ra-retry[data-row]");
    if (retry) {
      retry.disabled = true;
      retry.textContent = "再試行中…";
      ask("ra-retry", retry.dataset.row);
      return;
    }
    const button = target.closest(".ra-zoom button[data-zoom]");
    if (button) {
      zoom(button.closest(".ra-page"), button.dataset.zoom);
      return;
    }
    const image = target.closest(".ra-page-scroll img");
    if (image) {
      const figure = image.closest(".ra-page");
      zoom(figure, figure.classList.contains("ra-zoomed") ? "fit" : "in");
      return;
    }
    const quote = target.closest(".ra-quote-link[data-page]");
    if (quote && quote.dataset.page) {
      document.getElementById(`ra-page-${quote.dataset.page}`)?.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  });

  // Japanese is typed through an IME, whose Enter confirms a conversion. Gradio sends on Enter
  // (keypress) without asking whether a conversion was being confirmed; browsers mark that Enter as
  // composing, or with keyCode 229 when they report it after compositionend.
  let composing = false;
  document.addEventListener("compositionstart", () => { composing = true; }, true);
  document.addEventListener("compositionend", () => { composing = false; }, true);
  const confirmsConversion = (event) =>
    event.key === "Enter" && (event.isComposing || composing || event.keyCode === 229);
  for (const type of ["keydown", "keypress"]) {
    document.addEventListener(
      type,
      (event) => {
        const target = event.target instanceof Element ? event.target : null;
        if (confirmsConversion(event) && target?.closest("#ra-question")) event.stopImmediatePropagation();
      },
      true,
    );
  }

  document.addEventListener(
    "keydown",
    (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (event.key === "Enter") return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (target?.closest("input, textarea, select, [contenteditable=true]")) return;
      if (!visible("#ra-criteria .ra-criteria")) return;
      const key = event.key.toLowerCase();
      if (key === "j") document.querySelector("#ra-next")?.click();
      else if (key === "k") document.querySelector("#ra-prev")?.click();
      else if (key === "+" || key === "=" || key === "-") {
        const figure = document.querySelector("#ra-pages .ra-page");
        if (figure) zoom(figure, key === "-" ? "out" : "in");
      } else return;
      event.preventDefault();
    },
    true,
  );
})();
