/* essbot: loaded by the chat page (config.toml custom_js) and by the widget (/widget.js), in French.
   1. chainlit's icon-only buttons have no accessible name: screen readers would announce "bouton"; avatars have
      no text alternative; a few of the widget's menu items are in English. */
(function () {
  "use strict";
  if (window.__essbotPage) return;
  window.__essbotPage = true;

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
    ["button:has(> svg.lucide-maximize-2), button:has(> svg.lucide-maximize)", "Agrandir"],
    ["button:has(> svg.lucide-minimize-2), button:has(> svg.lucide-minimize)", "Réduire"],
    ["button:has(> svg.lucide-panel-right), button:has(> svg.lucide-panel-right-close)", "Choisir l'affichage"],
    ["button:has(> svg.lucide-chevrons-right)", "Fermer le panneau latéral"],
    ["a:has(> svg.lucide-download), button:has(> svg.lucide-download)", "Télécharger le PDF"],
    ["[role=dialog] button:has(> svg.lucide-x)", "Fermer"]
  ];
  // Texts that chainlit's widget writes in English whatever the language.
  var PANEL_LABEL = "Assistant essbot";
  var TEXTS = {
    Floating: "Fenêtre flottante",
    Sidebar: "Panneau latéral"
  };
  var TEXT_HOLDERS = "[role^='menuitem'], [role=dialog] h2, [role=dialog] p";

  function label(root) {
    LABELS.forEach(function (entry) {
      root.querySelectorAll(entry[0]).forEach(function (node) {
        if (node.getAttribute("aria-label") !== entry[1]) node.setAttribute("aria-label", entry[1]);
        if (node.hasAttribute("title") && node.title !== entry[1]) node.title = entry[1];
      });
    });
    // Avatars next to the author's name: decorative, so screen readers skip them.
    root.querySelectorAll("img:not([alt])").forEach(function (node) {
      node.setAttribute("alt", "");
    });
    root.querySelectorAll("[role=dialog]:has(#chainlit-copilot-chat):not([aria-label])").forEach(function (node) {
      node.setAttribute("aria-label", PANEL_LABEL);
    });
    root.querySelectorAll(TEXT_HOLDERS).forEach(function (node) {
      var last = node.lastChild;
      var french = last && last.nodeType === 3 && TEXTS[last.textContent.trim()];
      if (french) last.textContent = french;
    });
    root.querySelectorAll("button[class*='-feedback-']").forEach(function (node) {
      var pressed = /-feedback-on/.test(node.className) ? "true" : "false";
      if (node.getAttribute("aria-pressed") !== pressed) node.setAttribute("aria-pressed", pressed);
    });
  }

  // 2. A dialog (feedback, confirmation) closed with Escape leaves the focus on <body> or on the first button of
  //    the widget: give it back to the control that opened it, as keyboard users expect. React may re-render
  //    that control meanwhile: it is found again by its label. (The widget's panel is a dialog too.)
  var focusHistory = [];
  // Focus moving inside the widget's shadow root is not seen from the document: each root is listened to.
  function rememberFocus(event) {
    var target = event.composedPath()[0];
    if (!target || !target.getAttribute || target.hasAttribute("data-radix-focus-guard")) return;
    if (focusHistory.length && focusHistory[0].node === target) return;
    var name = target.getAttribute("aria-label") || "";
    var root = target.getRootNode();
    var same = name ? root.querySelectorAll('[aria-label="' + name + '"]') : [];
    var entry = { node: target, root: root, name: name, index: Array.prototype.indexOf.call(same, target) };
    focusHistory = [entry].concat(focusHistory).slice(0, 10);
  }
  function deepFocus() {
    var node = document.activeElement;
    while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
    return node;
  }
  function openerOf(dialogs) {
    return focusHistory.filter(function (entry) {
      return !dialogs.some(function (dialog) {
        return dialog.contains(entry.node);
      });
    })[0];
  }
  function restoreFocus(opener) {
    // After the dialog library's own focus handling, which sends it to <body> or to the panel's first button.
    setTimeout(function () {
      if (!opener) return;
      var node = opener.node;
      if (!node.isConnected && opener.name) {
        var same = opener.root.querySelectorAll('[aria-label="' + opener.name + '"]');
        node = same[opener.index] || same[same.length - 1];
      }
      if (node && node.isConnected && deepFocus() !== node) node.focus();
    }, 50);
  }
  function trackDialogs(root, state) {
    var dialogs = Array.prototype.slice.call(root.querySelectorAll("[role=dialog], [role=alertdialog]"));
    var added = dialogs.filter(function (dialog) {
      return state.dialogs.indexOf(dialog) === -1;
    });
    if (added.length) state.openers.push(openerOf(added));
    else if (dialogs.length < state.dialogs.length) restoreFocus(state.openers.pop());
    state.dialogs = dialogs;
  }

  var watched = [];
  function watch(root) {
    if (!root || watched.indexOf(root) !== -1) return;
    watched.push(root);
    (root === document.body ? document : root).addEventListener("focusin", rememberFocus, true);
    label(root);
    var state = { dialogs: [], openers: [] };
    trackDialogs(root, state);
    new MutationObserver(function () {
      label(root);
      trackDialogs(root, state);
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
