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
    "#essbot-launcher[aria-busy=true]{cursor:progress;opacity:.8}";

  function mount() {
    // As on the chat page: the pdf.js worker fix and French names for the icon-only buttons.
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
  }

  function load() {
    if (launcher.getAttribute("aria-busy") === "true") return;
    launcher.setAttribute("aria-busy", "true");
    var loader = document.createElement("script");
    loader.src = server + "/copilot/index.js";
    loader.onload = mount;
    loader.onerror = function () {
      launcher.removeAttribute("aria-busy");
    };
    document.head.appendChild(loader);
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
