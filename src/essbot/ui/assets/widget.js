/* essbot — embeddable chat bubble, served as GET /widget.js.
   Usage on any page: <script src="https://your-essbot-server/widget.js"></script>
   A light launcher button loads chainlit's Copilot widget on the first click (the chat itself is chainlit's). */
(function () {
  "use strict";
  if (window.__essbotWidget) return;
  window.__essbotWidget = true;

  var config = __ESSBOT_CONFIG__;
  var script = document.currentScript;
  var base = script && script.src ? script.src : window.location.href;
  var server = (config.server || new URL(config.chatPath, base).href).replace(/\/+$/, "");
  var launcher = null;

  var ICON =
    '<svg aria-hidden="true" focusable="false" width="30" height="30" viewBox="0 0 32 32">' +
    '<rect x="2" y="3" width="28" height="21" rx="7" fill="currentColor"/>' +
    '<path d="M9 23 L9 30 L16 23 Z" fill="currentColor"/>' +
    '<circle cx="10" cy="13.5" r="2.4" fill="#000091"/><circle cx="16" cy="13.5" r="2.4" fill="#000091"/>' +
    '<circle cx="22" cy="13.5" r="2.4" fill="#000091"/></svg>';

  var STYLE =
    "#essbot-launcher{position:fixed;right:32px;bottom:32px;width:64px;height:64px;border:0;border-radius:50%;" +
    "background:#000091;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);z-index:2147483000;" +
    "display:flex;align-items:center;justify-content:center;padding:0}" +
    "#essbot-launcher:focus-visible{outline:3px solid #000091;outline-offset:3px}" +
    "#essbot-launcher[aria-busy=true]{cursor:progress;opacity:.8}" +
    "#essbot-error{position:fixed;right:32px;bottom:108px;max-width:min(380px,calc(100vw - 64px));" +
    "box-sizing:border-box;background:#fff;color:#161616;border:1px solid #ce0500;border-left:6px solid #ce0500;" +
    "border-radius:8px;padding:12px 44px 12px 14px;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;" +
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;text-align:left}" +
    "#essbot-error p{margin:0}#essbot-error p+p{margin-top:4px}" +
    "#essbot-error button{position:absolute;top:6px;right:6px;width:32px;height:32px;border:0;border-radius:4px;" +
    "background:transparent;color:#161616;font-size:22px;line-height:1;cursor:pointer}" +
    "#essbot-error button:focus-visible{outline:3px solid #000091;outline-offset:1px}";

  function mount() {
    // As on the chat page: French names for the icon-only buttons, focus given back when a dialog closes.
    var page = document.createElement("script");
    page.src = server + "/public/essbot.js";
    document.head.appendChild(page);
    window.mountChainlitWidget({
      chainlitServer: server,
      language: "fr-FR",
      theme: "light",
      opened: true,
      customCssUrl: server + "/public/essbot.css"
    });
    launcher.remove();
    document.addEventListener("keydown", closeOnEscape);
  }

  // Escape closes the panel, unless a dialog inside it (feedback) is open, and leaves the focus on its button.
  function closeOnEscape(event) {
    var host = document.getElementById("chainlit-copilot");
    var root = host && host.shadowRoot;
    if (event.key !== "Escape" || !root || !root.getElementById("chainlit-copilot-chat")) return;
    if (root.querySelectorAll("[role=dialog], [role=alertdialog], [role=menu]").length > 1) return;
    var button = root.getElementById("chainlit-copilot-button");
    if (!button) return;
    button.click();
    button.focus();
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  function hideError() {
    var shown = document.getElementById("essbot-error");
    if (shown) shown.remove();
  }

  // A French explanation above the bubble (never the browser's raw error); the bubble stays to try again.
  function showError(kind, values) {
    hideError();
    launcher.removeAttribute("aria-busy");
    var box = document.createElement("div");
    box.id = "essbot-error";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = config.errors.title;
    title.appendChild(strong);
    var text = document.createElement("p");
    text.textContent = fill(config.errors[kind], values || {});
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", config.errors.close);
    close.title = config.errors.close;
    close.textContent = "\u00d7";
    close.addEventListener("click", function () {
      hideError();
      launcher.focus();
    });
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(text);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close.click();
    });
    document.body.appendChild(box);
  }

  function loadBundle() {
    var loader = document.createElement("script");
    loader.src = server + "/copilot/index.js";
    loader.onload = mount;
    loader.onerror = function () {
      showError("unreachable", { server: server });
    };
    document.head.appendChild(loader);
  }

  // The chat server is asked first, as chainlit's widget will (with credentials), so that a refusal is explained.
  function load() {
    if (launcher.getAttribute("aria-busy") === "true") return;
    launcher.setAttribute("aria-busy", "true");
    hideError();
    var probe = server + "/auth/config";
    fetch(probe, { credentials: "include" }).then(
      function (response) {
        if (response.ok) loadBundle();
        else if (response.status === 429) {
          var retry = parseInt(response.headers.get("Retry-After") || "", 10);
          showError("rateLimited", { retry: retry > 0 ? retry : 60 });
        } else showError("http", { status: response.status });
      },
      function () {
        // A cross-origin answer refused by CORS and an unreachable server look alike here: a request that
        // does not read the answer (no-cors) still reaches a running server.
        fetch(probe, { mode: "no-cors", credentials: "omit" }).then(
          function () {
            showError("origin", { origin: window.location.origin });
          },
          function () {
            showError("unreachable", { server: server });
          }
        );
      }
    );
  }

  function start() {
    var style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);
    launcher = document.createElement("button");
    launcher.type = "button";
    launcher.id = "essbot-launcher";
    launcher.setAttribute("aria-label", config.label);
    launcher.title = config.label;
    launcher.innerHTML = ICON;
    launcher.addEventListener("click", load);
    document.body.appendChild(launcher);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
