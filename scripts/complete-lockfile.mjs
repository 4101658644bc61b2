#!/usr/bin/env node
// Adds lockfile records for optional platform packages the registry mirror here does not
// serve (it answers 404 for non-Linux builds such as @biomejs/cli-darwin-arm64). npm then
// leaves them out of package-lock.json, and `npm ci` refuses its own lockfile ("Missing: …
// from lock file"). Each added record carries the os/cpu/libc its name declares, so npm
// skips it on this machine exactly as it would with the registry's own metadata.
// Run after any `npm install` that changes dependencies: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const OS = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "netbsd",
  "openbsd",
  "openharmony",
  "sunos",
  "win32",
  "aix",
  "wasi",
];
const CPU = [
  "arm64",
  "x64",
  "ia32",
  "arm",
  "riscv64",
  "s390x",
  "ppc64",
  "loong64",
  "mips64el",
  "wasm32",
];

function platformOf(name) {
  const parts = name.toLowerCase().split(/[-/]/);
  const os = OS.find((value) => parts.includes(value));
  const cpu = CPU.find((value) => parts.includes(value));
  if (!os && !cpu) return null;
  const record = {};
  if (os) record.os = [os];
  if (cpu) record.cpu = [cpu];
  if (parts.includes("musl")) record.libc = ["musl"];
  else if (parts.includes("gnu") || parts.includes("gnueabihf")) record.libc = ["glibc"];
  return record;
}

let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === "" ? "" : `${location}/`;
    const candidates = [`${base}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((candidate) => lock.packages[candidate])) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue;
    lock.packages[`node_modules/${name}`] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a.localeCompare(b),
  ),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform record(s)`);
