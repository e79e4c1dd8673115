// Pipeline board: drag a card to another column to move it (SortableJS), or to the archive column to
// close it as won or lost. The server decides; on refusal the card goes back and the reasons show.
// Contract (see workflow/views_move.py): POST form data with X-CSRFToken and
// Accept: application/json -> {ok, stage, version, outcome, message} or {ok: false, errors: [...]}.
(function () {
  "use strict";
  const board = document.getElementById("board");
  if (!board || typeof Sortable === "undefined") return;
  const alertBox = document.getElementById("board-alert");
  const dialog = document.getElementById("close-dialog");
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // A refused move: {title, links: [{text, url}]} names the opportunity and links each unmet item to
  // the place that fixes it (gates/unmet.py); other errors are plain texts.
  function showErrors(errors, title, links) {
    alertBox.replaceChildren();
    if (title) {
      const head = document.createElement("p");
      head.className = "refusal-title";
      head.textContent = title;
      alertBox.appendChild(head);
    }
    const list = document.createElement("ul");
    const items = links && links.length ? links : errors.map((text) => ({ text, url: "" }));
    for (const item of items) {
      const li = document.createElement("li");
      if (item.url) {
        const a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.text;
        li.appendChild(a);
      } else {
        li.textContent = item.text;
      }
      list.appendChild(li);
    }
    alertBox.appendChild(list);
    alertBox.hidden = false;
    alertBox.classList.remove("is-info", "is-warning");
    alertBox.classList.add("is-error");
    alertBox.scrollIntoView({ block: "nearest" });
  }

  function clearAlert() {
    alertBox.hidden = true;
    alertBox.classList.remove("is-error", "is-info", "is-warning");
    alertBox.replaceChildren();
  }

  // H4: the move went to the manager for approval (level "info"), or the opportunity was sent back a
  // stage / is not ready ("warning"). Information, not an error.
  function showNotice(text, level) {
    alertBox.replaceChildren(document.createTextNode(text));
    alertBox.classList.remove("is-error", "is-info", "is-warning");
    alertBox.classList.add(level === "warning" ? "is-warning" : "is-info");
    alertBox.hidden = false;
    alertBox.scrollIntoView({ block: "nearest" });
  }

  function putBack(evt) {
    const ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }

  function urlFor(template, number) {
    return template.replace(board.dataset.placeholder, encodeURIComponent(number));
  }

  async function post(url, fields) {
    const body = new URLSearchParams(fields);
    let response;
    try {
      response = await fetch(url, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
      });
    } catch (err) {
      return { ok: false, errors: [board.dataset.errorText] };
    }
    try {
      return await response.json();
    } catch (err) {
      return { ok: false, errors: [board.dataset.errorText] };
    }
  }

  async function refresh() {
    const response = await fetch(window.location.href, {
      headers: { "HX-Request": "true", "HX-Target": "board" }, credentials: "same-origin",
    });
    if (response.ok) {
      board.innerHTML = await response.text();
      init();
    }
  }

  function askOutcome(number) {
    return new Promise((resolve) => {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve({ outcome: "cancel", note: "" });
        return;
      }
      document.getElementById("close-dialog-number").textContent = number;
      const note = document.getElementById("close-note");
      note.value = "";
      dialog.returnValue = "cancel";
      dialog.addEventListener("close", () => resolve({ outcome: dialog.returnValue || "cancel", note: note.value }),
                              { once: true });
      dialog.showModal();
    });
  }

  async function onDrop(evt) {
    if (evt.from === evt.to) return;
    const card = evt.item;
    const number = card.dataset.number;
    const version = card.dataset.version;
    card.classList.add("is-saving");
    let result;
    if (evt.to.dataset.closed === "1") {
      const choice = await askOutcome(number);
      if (choice.outcome !== "won" && choice.outcome !== "lost") {
        card.classList.remove("is-saving");
        putBack(evt);
        return;
      }
      result = await post(urlFor(board.dataset.closeUrl, number),
                          { outcome: choice.outcome, version, note: choice.note });
    } else {
      result = await post(urlFor(board.dataset.moveUrl, number), { to_stage: evt.to.dataset.stage, version });
    }
    card.classList.remove("is-saving");
    if (result && result.ok) {
      clearAlert();
      card.dataset.version = result.version;
      await refresh();
      if (result.message) showNotice(result.message, result.level);
    } else {
      putBack(evt);
      showErrors((result && result.errors) || [board.dataset.errorText], result && result.title,
                 result && result.links);
    }
  }

  // Keyboard and screen-reader use (issue 10 item 7): each open card gets a "Move to…" select and a
  // button; choosing a column moves the card there and runs the same path as a drop (onDrop), so the
  // server's answer, the refusal and the close dialog are the same as for a drag.
  function stageLists() {
    return Array.from(board.querySelectorAll(".board-cards"));
  }

  function addMoveMenu(card, here, lists) {
    if (card.querySelector(".board-card-move")) return;
    const number = card.dataset.number;
    const box = document.createElement("div");
    box.className = "board-card-move";
    const select = document.createElement("select");
    select.setAttribute("aria-label", board.dataset.moveLabel.replace("__NUMBER__", number));
    const first = document.createElement("option");
    first.value = "";
    first.textContent = board.dataset.moveChoose;
    select.appendChild(first);
    for (const list of lists) {
      if (list === here) continue;
      const option = document.createElement("option");
      option.value = list.dataset.stage;
      option.textContent = list.getAttribute("aria-label");
      select.appendChild(option);
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small-button";
    button.textContent = board.dataset.moveButton;
    button.addEventListener("click", () => moveByKeyboard(card, select));
    box.append(select, button);
    card.appendChild(box);
  }

  async function moveByKeyboard(card, select) {
    const target = stageLists().find((list) => list.dataset.stage === select.value);
    if (!target) {
      select.focus();
      return;
    }
    const from = card.parentElement;
    const oldIndex = Array.prototype.indexOf.call(from.children, card);
    const number = card.dataset.number;
    target.appendChild(card);
    await onDrop({ from, to: target, item: card, oldIndex });
    const moved = Array.from(board.querySelectorAll(".board-card")).find((c) => c.dataset.number === number);
    const focusable = moved && (moved.parentElement === from ? moved.querySelector(".board-card-move select")
                                                              : moved.querySelector(".board-card-link"));
    if (focusable) focusable.focus();
  }

  function addMoveMenus() {
    if (!board.dataset.moveLabel) return;
    const lists = stageLists();
    for (const list of lists) {
      if (list.dataset.closed === "1") continue;
      for (const card of list.querySelectorAll(".board-card")) addMoveMenu(card, list, lists);
    }
  }

  function init() {
    addMoveMenus();
    for (const list of board.querySelectorAll(".board-cards")) {
      Sortable.create(list, {
        filter: ".board-card-move",
        preventOnFilter: false,
        group: { name: "board", pull: list.dataset.closed !== "1", put: true },
        sort: false,
        draggable: ".board-card",
        animation: 120,
        delay: 150,
        delayOnTouchOnly: true,
        ghostClass: "is-ghost",
        onEnd: onDrop,
      });
    }
  }

  init();
})();
