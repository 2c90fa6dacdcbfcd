/* qms: each search result shows an excerpt of its page around the searched words. The pages'
   texts come with the manual (searchtexts.js beside the search index, written by
   qms/manual/sphinx_excerpts.py) and are loaded as a script: it works from a folder (file://),
   where Sphinx's own excerpts, fetched page by page, cannot. Text only: the excerpt is made of
   text nodes, never of HTML from the index. Chinese text has no spaces between words: a
   searched word is found anywhere in the text, and the excerpt is measured in display width
   (a Chinese character counts two). */
(function () {
  "use strict";
  var WIDTH = 240;   // display width of an excerpt
  var BEFORE = 80;   // of which before the first searched word found
  var texts = null;
  var waiting = [];

  function wide(ch) {
    var code = ch.codePointAt(0);
    return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x20000 && code <= 0x3fffd);
  }

  function queryWords() {
    var query = new URLSearchParams(window.location.search).get("q") || "";
    return query.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(function (word) {
      return word && !word.startsWith("-");
    });
  }

  /* Where the words are in the text: [start, end] pairs (in characters), first one first.
     A Chinese word not found whole (the index cuts text into shorter words) is looked for
     by its pairs of characters. */
  function matches(lower, words) {
    var found = [];
    words.forEach(function (word) {
      var parts = [word];
      var chars = Array.from(word);
      if (lower.indexOf(word) < 0 && chars.some(wide) && chars.length > 2) {
        parts = [];
        for (var i = 0; i + 1 < chars.length; i += 2) parts.push(chars[i] + chars[i + 1]);
      }
      parts.forEach(function (part) {
        for (var at = lower.indexOf(part); at >= 0; at = lower.indexOf(part, at + part.length)) {
          found.push([at, at + part.length]);
        }
      });
    });
    return found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  }

  function whole(text, at) {  // never between the two halves of a character beyond U+FFFF
    var code = text.charCodeAt(at);
    return code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
  }

  function moveBack(text, at, width) {
    while (at > 0 && width > 0) {
      at -= 1;
      width -= wide(text[at]) ? 2 : 1;
    }
    if (at > 0) {  // start at a word, not inside one
      var space = text.lastIndexOf(" ", at);
      if (space >= 0 && at - space < 20) at = space + 1;
    }
    return whole(text, at);
  }

  function moveOn(text, at, width) {
    while (at < text.length && width > 0) {
      width -= wide(text[at]) ? 2 : 1;
      at += 1;
    }
    if (at < text.length) {
      var space = text.indexOf(" ", at);
      if (space >= 0 && space - at < 20) at = space;
    }
    return whole(text, at);
  }

  /* The excerpt of a page's text: a paragraph of text nodes, the searched words marked. */
  function excerpt(text, words) {
    var found = matches(text.toLowerCase(), words);
    var start = found.length ? moveBack(text, found[0][0], BEFORE) : 0;
    var end = moveOn(text, start, WIDTH);
    var paragraph = document.createElement("p");
    paragraph.className = "context qms-excerpt";
    var at = start;
    paragraph.appendChild(document.createTextNode(start > 0 ? "… " : ""));
    found.forEach(function (match) {
      if (match[0] < at || match[1] > end) return;
      paragraph.appendChild(document.createTextNode(text.slice(at, match[0])));
      var mark = paragraph.appendChild(document.createElement("span"));
      mark.className = "highlighted";
      mark.textContent = text.slice(match[0], match[1]);
      at = match[1];
    });
    paragraph.appendChild(document.createTextNode(text.slice(at, end) + (end < text.length ? " …" : "")));
    return paragraph;
  }

  function pageOf(item) {
    var link = item.querySelector("a");
    if (!link) return null;
    var href = (link.getAttribute("href") || "").split("#")[0];
    var suffix = DOCUMENTATION_OPTIONS.LINK_SUFFIX || ".html";
    return href.endsWith(suffix) ? href.slice(0, -suffix.length) : href;
  }

  function addExcerpt(item) {
    if (item.querySelector("p.context")) return;
    if (texts === null) {
      waiting.push(item);
      return;
    }
    var text = texts[pageOf(item)];
    if (typeof text === "string" && text) item.appendChild(excerpt(text, queryWords()));
  }

  window.qmsSearchTexts = function (data) {
    texts = data && typeof data === "object" ? data : {};
    waiting.splice(0).forEach(addExcerpt);
  };

  function start() {
    var results = document.getElementById("search-results");
    if (!results || typeof DOCUMENTATION_OPTIONS === "undefined") return;
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeName === "LI" && node.parentElement.classList.contains("search")) {
            addExcerpt(node);
          }
        });
      });
    }).observe(results, { childList: true, subtree: true });
    var script = document.createElement("script");
    script.src = (document.documentElement.dataset.content_root || "") + "searchtexts.js";
    script.onerror = function () { window.qmsSearchTexts({}); };
    document.body.appendChild(script);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
