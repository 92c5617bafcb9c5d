// The document page: pick a flagged cell, decide it from the keyboard, see the identities again.
"use strict";

const root = document.getElementById("document");
const state = { items: [], index: -1, chain: Promise.resolve() };

// One action at a time, in the order the keys were pressed: a key pressed while a page part is
// still loading acts on what the reviewer will see, never on a half-replaced panel.
function act(action) {
  state.chain = state.chain.then(action).catch((error) => say(String(error), "error"));
  return state.chain;
}

function reviewer() {
  const input = document.getElementById("reviewer");
  const name = (input && input.value.trim()) || "reviewer";
  localStorage.setItem("reviewer", name);
  return name;
}

function say(text, kind) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind || "";
}

function loadItems() {
  state.items = JSON.parse(document.getElementById("items-data").textContent);
  for (const item of state.items) {
    const cell = document.getElementById(`cell-${item.id}`);
    if (cell && item.opened_by && item.opened_by !== reviewer()) {
      cell.classList.add("open-elsewhere");
      cell.title += ` (open by ${item.opened_by})`;
    }
  }
  for (const cell of document.querySelectorAll("td.flagged")) {
    cell.addEventListener("click", () => act(() => select(state.items.findIndex((i) => i.id === Number(cell.dataset.item)))));
  }
}

async function refreshTables() {
  const response = await fetch(`/documents/${root.dataset.documentId}/tables`);
  document.getElementById("tables").innerHTML = await response.text();
  loadItems();
  markCurrent();
}

function markCurrent() {
  for (const cell of document.querySelectorAll("td.current")) cell.classList.remove("current");
  const item = state.items[state.index];
  const cell = item && document.getElementById(`cell-${item.id}`);
  if (cell) {
    cell.classList.add("current");
    cell.scrollIntoView({ block: "nearest" });
  }
}

async function select(index) {
  if (index < 0 || index >= state.items.length) return;
  state.index = index;
  const item = state.items[index];
  history.replaceState(null, "", `#item-${item.id}`);
  markCurrent();
  const me = encodeURIComponent(reviewer());
  const response = await fetch(`/items/${item.id}/panel?me=${me}`);
  document.getElementById("panel").innerHTML = await response.text();
  wirePanel();
  fetch(`/api/items/${item.id}/open`, { method: "POST", body: JSON.stringify({ reviewer: reviewer() }) });
}

function wirePanel() {
  for (const button of document.querySelectorAll("#panel .choice")) {
    button.addEventListener("click", () => act(() => decide({ value: JSON.parse(button.dataset.value) })));
  }
  document.getElementById("value-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // keys pressed while the save is in flight are navigation, queued after it, not more typing
    document.getElementById("value-input").blur();
    act(saveTyped);
  });
  document.getElementById("accept").addEventListener("click", () => act(() => decide({ confirm: true })));
  document.getElementById("undo").addEventListener("click", () => act(() => decide({ undo: true })));
}

function saveTyped() {
  const input = document.getElementById("value-input");
  const text = input.value.trim();
  if (text === "") return decide({ confirm: true });
  return decide({ value: text });
}

async function decide(body) {
  const panel = document.getElementById("item");
  if (!panel) return;
  const id = Number(panel.dataset.item);
  body.version = Number(panel.dataset.version);
  body.reviewer = reviewer();
  const response = await fetch(`/api/items/${id}/decision`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    say(`${response.status}: ${answer.error}`, "error");
    if (response.status === 409) await select(state.index);  // show what changed
    return;
  }
  const shown = answer.value === null ? "blank" : answer.value;
  say(`${answer.key}: ${answer.status} ${shown}`, "ok");
  await refreshTables();
  const index = state.items.findIndex((i) => i.id === id);
  if (body.undo || answer.status === "pending") return select(index);
  const next = state.items.findIndex((i, n) => n > index && i.status === "pending");
  await select(next >= 0 ? next : index);
}

async function move(step, pendingOnly) {
  let index = state.index;
  do {
    index += step;
  } while (pendingOnly && index >= 0 && index < state.items.length && state.items[index].status !== "pending");
  if (index >= 0 && index < state.items.length) await select(index);
}

document.addEventListener("keydown", (event) => {
  if (!root || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const input = document.getElementById("value-input");
  if (input && target === input) {
    if (event.key === "Escape") {
      input.value = "";
      input.blur();
    }
    return;  // Enter submits the form
  }
  if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
  const key = event.key;
  if (/^[0-9.]$/.test(key)) {
    event.preventDefault();
    act(() => {
      const field = document.getElementById("value-input");
      if (!field) return;
      field.value += key;
      field.focus();
    });
  } else if (key === "Enter" || key === "a") {
    event.preventDefault();
    act(() => decide({ confirm: true }));
  } else if (key === "j" || key === "n" || key === "ArrowDown") {
    event.preventDefault();
    act(() => move(1, false));
  } else if (key === "k" || key === "p" || key === "ArrowUp") {
    event.preventDefault();
    act(() => move(-1, false));
  } else if (key === "s") {
    act(() => move(1, true));
  } else if (key === "u") {
    act(() => decide({ undo: true }));
  } else if (key === "i") {
    act(() => {
      const implied = document.querySelector("#panel .choice.implied");
      return implied ? decide({ value: JSON.parse(implied.dataset.value) }) : undefined;
    });
  }
});

const saved = localStorage.getItem("reviewer");
if (saved && document.getElementById("reviewer")) document.getElementById("reviewer").value = saved;

if (root) {
  loadItems();
  const wanted = /^#item-(\d+)$/.exec(location.hash);
  const start = wanted ? state.items.findIndex((i) => i.id === Number(wanted[1])) : -1;
  const firstPending = state.items.findIndex((i) => i.status === "pending");
  act(() => select(start >= 0 ? start : Math.max(firstPending, 0)));
}
