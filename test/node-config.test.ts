import { expect, test } from "vitest";

import { ConfigError, parseNodeConfig } from "../src/node-process/mod.js";

const good = {
  name: "h1", role: "hospital", dataDir: "data/h1", consortium: "iomt", members: ["h1", "h2"],
  anchors: ["data/h2/anchor.cert"], udpListen: 6400, udpPeers: [{ remote: "127.0.0.1:6401", routes: ["/h2", "/iomt/consultation"] }],
};

test("a valid config, with paths relative to the file", () => {
  const c = parseNodeConfig(good, "/etc/iomt/h1.json");
  expect(c).toMatchObject({
    name: "h1", role: "hospital", dataDir: "/etc/iomt/data/h1",
    faces: { udpListen: 6400, udpPeers: [{ host: "127.0.0.1", port: 6401, routes: ["/h2", "/iomt/consultation"] }], tcpPeers: [] },
    hospital: { anchors: ["/etc/iomt/data/h2/anchor.cert"], writeEveryMs: 0, commitEveryMs: 2000, patients: [] },
  });
});

test("a home and a router, with TCP peers and a local NFD", () => {
  const home = parseNodeConfig({
    name: "home1", role: "home", dataDir: "home1", hospital: "h1", patients: [{ pid: "alice", streams: ["heart-rate", "spo2"], rateHz: 2 }],
    tcpPeers: [{ remote: "127.0.0.1:6363", routes: ["/h1"] }], nfd: { unix: "/run/nfd/nfd.sock", routes: ["/"] },
  }, "/etc/iomt/home1.json");
  expect(home).toMatchObject({
    role: "home", dataDir: "/etc/iomt/home1",
    home: { hospital: "h1", patients: [{ pid: "alice", streams: ["heart-rate", "spo2"], rateHz: 2 }], ledgerEveryReadings: 60, ledgerEveryMs: 60_000 },
    faces: { tcpPeers: [{ host: "127.0.0.1", port: 6363, routes: ["/h1"] }], nfd: { unix: "/run/nfd/nfd.sock", routes: ["/"] } },
  });
  expect(parseNodeConfig({ name: "r1", role: "router", tcpListen: 6363 })).toMatchObject({ role: "router", faces: { tcpListen: 6363 } });
});

test.each([
  [{ ...good, name: "a/b" }, /h\.json: name: expected a name component/],
  [{ ...good, role: "switch" }, /role: expected one of "hospital", "home", "router", got "switch"/],
  [{ ...good, role: "router" }, /consortium: only for role hospital/],
  [{ name: "home1", role: "home", dataDir: "x", hospital: "h1", patients: [] }, /patients: a home needs at least one patient/],
  [{ name: "home1", role: "home", dataDir: "x", hospital: "h1", patients: [{ pid: "alice", streams: ["pulse"] }] }, /patients\[0\]\.streams\[0\]: expected one of heart-rate/],
  [{ ...good, nfd: { routes: [] } }, /nfd: expected one of unix \(a socket path\) or tcp/],
  [{ ...good, nfd: { tcp: "localhost", routes: [] } }, /nfd\.tcp: expected host:port, got "localhost"/],
  [{ ...good, tcpPeers: [{ remote: "127.0.0.1:1", routes: "/h2" }] }, /tcpPeers\[0\]\.routes: expected a list/],
  [{ ...good, fork: { udpListen: 0 } }, /fork\.udpListen: expected a port number, got 0/],
  [{ ...good, members: ["h2"] }, /members: must include this node, h1/],
  [{ ...good, udpPeers: [{ remote: "nowhere" }] }, /udpPeers\[0\]\.remote: expected host:port, got "nowhere"/],
  [{ ...good, udpPeers: [{ remote: "127.0.0.1:70000" }] }, /udpPeers\[0\]\.remote: expected a port number, got 70000/],
  [{ ...good, udpPeers: [{ remote: "127.0.0.1:1", routes: ["h2"] }] }, /udpPeers\[0\]\.routes\[0\]: expected a name/],
  [{ ...good, udpListen: undefined }, /udpListen: UDP peers need this node's UDP port/],
  [{ ...good, commitEveryMs: -1 }, /commitEveryMs: expected a number of milliseconds/],
  [{ ...good, colour: "blue" }, /colour: unknown field/],
  [[1, 2], /\(file\): expected a JSON object/],
])("a bad config names the field: %#", (raw, message) => {
  expect(() => parseNodeConfig(raw, "h.json")).toThrow(ConfigError);
  expect(() => parseNodeConfig(raw, "h.json")).toThrow(message);
});
