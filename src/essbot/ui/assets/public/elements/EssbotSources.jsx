// essbot: the « Sources (n) » disclosure under an answer (props from essbot/ui/sources.py), in the chat and the
// widget. Closed by default; one card per citation, itself closed, whose preview loads only when opened: the
// cited PDF page (an image rendered by essbot, passage highlighted) or the document's text opened at the passage.
// The answer's [n] links (href "#source-n") open and focus card n. Every text is rendered by React as text.
import { useEffect, useRef, useState } from "react";

const STYLE = `
.essbot-sources{margin-top:.5rem;border:1px solid hsl(var(--border));border-radius:.5rem;font-size:.925rem}
.essbot-sources>summary{cursor:pointer;padding:.5rem .75rem;font-weight:600;color:hsl(var(--primary))}
.essbot-sources>ol{list-style:none;margin:0;padding:0 .5rem .5rem}
.essbot-card{border-top:1px solid hsl(var(--border));scroll-margin-top:4.5rem}
.essbot-card>summary{cursor:pointer;padding:.5rem .25rem;line-height:1.35}
.essbot-card>summary .essbot-title{font-weight:600}
.essbot-card>summary .essbot-where{color:hsl(var(--muted-foreground));font-size:.85rem}
.essbot-card-body{padding:0 .25rem .75rem}
.essbot-card-body blockquote{margin:.25rem 0 .5rem;border-left:4px solid hsl(var(--primary));padding-left:.75rem;
  white-space:pre-line;font-style:normal}
.essbot-meta{color:hsl(var(--muted-foreground));font-size:.85rem;margin:.25rem 0;overflow-wrap:anywhere}
.essbot-preview{display:block;width:100%;max-width:100%;height:auto;border:1px solid hsl(var(--border));
  border-radius:.25rem;background:#fff}
.essbot-frame{width:100%;height:22rem;border:1px solid hsl(var(--border));border-radius:.25rem;background:#fff}
.essbot-card-body a{color:hsl(var(--primary));text-decoration:underline}
.essbot-card:focus-within>summary,.essbot-card>summary:focus-visible{outline:3px solid hsl(var(--ring));
  outline-offset:2px}
`;

function address(path) {
  const endpoint = (apiClient && apiClient.httpEndpoint) || window.location.href;
  return new URL(path, endpoint.replace(/\/?$/, "/")).href;
}

function Preview({ card, labels }) {
  const [failed, setFailed] = useState(false);
  if (!card.preview) return null;
  if (failed) return <p className="essbot-meta">{labels.previewFailed}</p>;
  if (card.kind === "pdf") {
    return (
      <figure style={{ margin: 0 }}>
        <img
          className="essbot-preview"
          data-essbot-preview="pdf"
          src={address(card.preview)}
          alt={`${labels.pdfPreview} : ${card.title}, ${card.page}`}
          onError={() => setFailed(true)}
        />
        <figcaption className="essbot-meta">
          {labels.pdfPreview} —{" "}
          <a href={address(card.preview)} target="_blank" rel="noopener noreferrer">
            {labels.openPage}
          </a>
        </figcaption>
      </figure>
    );
  }
  return <DocumentFrame card={card} labels={labels} />;
}

// The view opens at its #extrait anchor; if the frame's width changes afterwards (the card was still opening, the
// page got a scrollbar), the text reflows and the passage moves away: the frame's address is then set again, which
// scrolls it back to the anchor (the sandboxed view runs no script of its own, so the parent does this). Only the
// fragment is navigated to: the document is not reloaded (checked in headless Chromium: a value set in the frame's
// window survives, although the element fires a second `load` event). Never while a keyboard user is in the frame.
function DocumentFrame({ card, labels }) {
  const frame = useRef(null);
  useEffect(() => {
    const element = frame.current;
    if (!element || typeof ResizeObserver === "undefined") return undefined;
    let width = element.clientWidth;
    let timer = null;
    const observer = new ResizeObserver(() => {
      if (Math.abs(element.clientWidth - width) < 2) return;
      width = element.clientWidth;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (element.getRootNode().activeElement === element) return;
        element.src = address(card.preview);
      }, 150);
    });
    observer.observe(element);
    return () => { observer.disconnect(); clearTimeout(timer); };
  }, [card.preview]);
  return (
    <iframe
      ref={frame}
      className="essbot-frame"
      data-essbot-preview="document"
      src={address(card.preview)}
      title={`${labels.documentPreview} : ${card.title}`}
      referrerPolicy="no-referrer"
      sandbox=""
    />
  );
}

function Card({ card, labels, open, onToggle }) {
  const where = [card.section, card.page].filter(Boolean).join(", ");
  return (
    <li>
      <details className="essbot-card" data-card={card.id} open={open} onToggle={(e) => onToggle(card.id, e.currentTarget.open)}>
        <summary>
          <span className="essbot-title">[{card.id}] {card.title}</span>
          {where ? <span className="essbot-where"> — {where}</span> : null}
        </summary>
        {open ? (
          <div className="essbot-card-body">
            <p className="essbot-meta">
              {labels.file} : {card.source}
              {card.updated ? ` — ${card.updated}` : ""}
            </p>
            <blockquote aria-label={labels.passage}>{card.passage}</blockquote>
            <Preview card={card} labels={labels} />
            {card.open ? (
              <p className="essbot-meta">
                <a href={address(card.open)} target="_blank" rel="noopener noreferrer">
                  {labels.open}
                </a>
              </p>
            ) : null}
          </div>
        ) : null}
      </details>
    </li>
  );
}

export default function EssbotSources() {
  const root = useRef(null);
  const [open, setOpen] = useState(false);
  const [openCards, setOpenCards] = useState([]);
  const [focusCard, setFocusCard] = useState(null);

  function toggleCard(id, isOpen) {
    setOpenCards((cards) => (isOpen ? (cards.includes(id) ? cards : [...cards, id]) : cards.filter((c) => c !== id)));
  }

  // [n] in the answer: links to "#source-n". A click is taken before the link opens anything, when the link
  // belongs to this element's answer (the nearest sources list above the link is this one).
  useEffect(() => {
    const node = root.current;
    if (!node) return undefined;
    const page = node.getRootNode();
    function onClick(event) {
      const link = event.target && event.target.closest ? event.target.closest('a[href*="#source-"]') : null;
      if (!link) return;
      let owner = null;
      for (let up = link.parentElement; up && !owner; up = up.parentElement) {
        owner = up.querySelector("[data-essbot-sources]");
      }
      if (owner !== node) return;
      const match = /#source-(\d+)$/.exec(link.getAttribute("href") || "");
      if (!match) return;
      event.preventDefault();
      event.stopPropagation();
      const id = Number(match[1]);
      setOpen(true);
      toggleCard(id, true);
      setFocusCard({ id });
    }
    page.addEventListener("click", onClick, true);
    return () => page.removeEventListener("click", onClick, true);
  }, []);

  useEffect(() => {
    if (!focusCard || !root.current) return;
    const card = root.current.querySelector(`[data-card="${focusCard.id}"]`);
    if (!card) return;
    card.scrollIntoView({ block: "start", behavior: "smooth" });
    const summary = card.querySelector("summary");
    if (summary) summary.focus({ preventScroll: true });
  }, [focusCard]);

  const cards = props.cards || [];
  return (
    <details
      ref={root}
      className="essbot-sources"
      data-essbot-sources=""
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <style>{STYLE}</style>
      <summary>{props.summary}</summary>
      <ol>
        {cards.map((card) => (
          <Card
            key={card.id}
            card={card}
            labels={props.labels}
            open={openCards.includes(card.id)}
            onToggle={toggleCard}
          />
        ))}
      </ol>
    </details>
  );
}
