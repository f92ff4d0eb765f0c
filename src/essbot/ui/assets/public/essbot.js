/* essbot: loaded by the chat page (config.toml custom_js) and by the widget (/widget.js), in French.
   1. chainlit asks pdf.js for its worker at /assets/… on the page's origin, which misses when the chat is
      mounted under /chat or embedded in another site. The worker module, once imported, registers itself
      (globalThis.pdfjsWorker) and pdf.js renders the PDF previews on the main thread instead of failing.
   2. chainlit's icon-only buttons have no accessible name: screen readers would announce "bouton". */
(function () {
  "use strict";
  if (window.__essbotPage) return;
  window.__essbotPage = true;

  var worker = "__ESSBOT_PDF_WORKER__";
  var here = document.currentScript ? document.currentScript.src : window.location.href;
  if (worker && !window.pdfjsWorker) import(new URL("../" + worker, here).href).catch(function () {});

  var LABELS = [
    ["#new-chat-button", "Nouvelle conversation"],
    ["#chat-input", "Votre question"],
    ["#chat-submit", "Envoyer la question"],
    ["#stop-button", "Arrêter la réponse"],
    ["#chainlit-copilot-button", "Ouvrir ou fermer l'assistant essbot"],
    ["button.positive-feedback-off, button.positive-feedback-on", "Réponse utile"],
    ["button.negative-feedback-off, button.negative-feedback-on", "Réponse pas utile"],
    ["button:has(> svg.lucide-copy), button:has(> svg.lucide-check)", "Copier la réponse"],
    ["button:has(> svg.lucide-arrow-down)", "Aller au dernier message"],
    ["button:has(> svg.lucide-maximize-2), button:has(> svg.lucide-minimize-2)", "Agrandir ou réduire"],
    ["button:has(> svg.lucide-panel-right), button:has(> svg.lucide-panel-right-close)", "Afficher sur le côté"]
  ];

  function label(root) {
    LABELS.forEach(function (entry) {
      root.querySelectorAll(entry[0]).forEach(function (node) {
        if (node.getAttribute("aria-label") !== entry[1]) node.setAttribute("aria-label", entry[1]);
      });
    });
    root.querySelectorAll("button[class*='-feedback-']").forEach(function (node) {
      var pressed = /-feedback-on/.test(node.className) ? "true" : "false";
      if (node.getAttribute("aria-pressed") !== pressed) node.setAttribute("aria-pressed", pressed);
    });
  }

  var watched = [];
  function watch(root) {
    if (!root || watched.indexOf(root) !== -1) return;
    watched.push(root);
    label(root);
    new MutationObserver(function () {
      label(root);
      var copilot = document.getElementById("chainlit-copilot");
      if (copilot && copilot.shadowRoot) watch(copilot.shadowRoot);
    }).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  }

  function start() {
    watch(document.body);
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
