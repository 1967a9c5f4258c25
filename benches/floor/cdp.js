// The minimal CDP client both floors use (floor.js, drive-floor.js): the browser launched with the
// given flags and a fresh profile, its DevTools endpoint awaited as reel does, commands and events
// over one `ws` connection (flattened sessions).
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const WebSocket = require("ws");

function client(ws) {
  let next = 1;
  const pending = new Map();
  const listeners = [];
  ws.on("message", (data) => {
    const msg = JSON.parse(data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners.slice()) l(msg);
    }
  });
  return {
    /** Sends a command; resolves with its result. */
    send(method, params = {}, sessionId) {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params, sessionId }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    /** Calls `fn` with every event. */
    on(fn) {
      listeners.push(fn);
    },
    /** Resolves with the params of the next `method` event of `sessionId`. */
    once(method, sessionId) {
      return new Promise((resolve) => {
        const l = (msg) => {
          if (msg.method === method && msg.sessionId === sessionId) {
            listeners.splice(listeners.indexOf(l), 1);
            resolve(msg.params);
          }
        };
        listeners.push(l);
      });
    },
  };
}

function devtoolsEndpoint(child) {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stderr.on("data", (d) => {
      seen += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error("browser exited (" + code + "): " + seen)));
  });
}

/**
 * Launches `chrome` with `flags` and a fresh profile and connects to it. Resolves with `cdp` (the
 * client), `close()` (closes the browser and waits for it to exit) and `dispose()` (drops the
 * connection and the profile).
 */
async function launch(chrome, flags) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "reel-floor-profile-"));
  const child = spawn(chrome, [...flags, "--user-data-dir=" + profile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const endpoint = await devtoolsEndpoint(child);
  const ws = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 512 << 20 });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  const cdp = client(ws);
  const close = async () => {
    await cdp.send("Browser.close").catch(() => {});
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
  };
  const dispose = () => {
    ws.terminate();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { cdp, close, dispose };
}

module.exports = { launch };
