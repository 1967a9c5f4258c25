// The standalone player of `reel export`, and the start: the page's data decides the mode.

function renderPlayer(data) {
  app.textContent = "";
  app.appendChild(el("h1", { text: "reel player" }));
  app.appendChild(el("p", { class: "muted" }, [el("b", { text: data.id }), " · " + data.source]));
  const host = el("div", { class: "replay" }, [el("p", { class: "muted loading", text: "loading…" })]);
  app.appendChild(host);
  const slot = { status: "loading", widget: null, error: null };
  api.player = slot;
  slot.promise = inflate(data.replay).then((payload) => {
    host.textContent = "";
    if (!payload.windows || !payload.windows.length) throw new Error("the recording has no windows");
    slot.widget = new ReplayWidget(host, payload, { window: 0, fromFirstSnapshot: true, checkpoints: [], errors: null });
    slot.status = "ready";
  }).catch((e) => {
    slot.status = "error";
    slot.error = String(e && e.message ? e.message : e);
    host.textContent = "The recording could not be loaded: " + slot.error;
  });
}

try {
  const data = JSON.parse(document.getElementById("reel-data").textContent);
  if (data.mode === "report") renderReport(data);
  else if (data.mode === "player") renderPlayer(data);
  else throw new Error("unknown page mode");
  api.ready = true;
} catch (e) {
  api.error = String(e && e.message ? e.message : e);
  app.textContent = "This page could not be shown: " + api.error;
}
