// Copies the npm-installed front-end libraries into static/vendor/, which Django serves.
// Run by `make install` after `npm ci`; static/vendor/ is never committed.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "static", "vendor");

// The icons the templates use ({% icon "name" %}); add a name here to use a new one.
const ICONS = [
  "inbox", "users", "megaphone", "gauge", "chart-column", "settings", "log-out", "search",
  "mail", "message-square", "message-circle", "phone", "camera", "at-sign", "circle-play",
  "smartphone", "code", "messages-square", "webhook", "send", "user", "user-plus", "users-round", "shield", "activity",
  "clock", "circle-check", "circle-alert", "circle-x", "chevron-right", "chevron-left",
  "chevron-down", "paperclip", "tag", "flag", "sticky-note", "arrow-up-right", "arrow-down-left",
  "filter", "history", "heart-pulse", "server", "database", "zap", "key-round", "external-link",
  "sparkles", "circle-dot", "moon", "sun", "menu", "x", "check", "building-2",
  "phone-incoming", "phone-outgoing", "file-text", "lock", "info",
  "git-merge", "split",
  "bell", "check-check", "circle-pause",
];

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "icons"), { recursive: true });

cpSync(join(modules, "chart.js", "dist", "chart.umd.min.js"), join(out, "chart.umd.min.js"));

// Inter, variable weight, normal style only: the subsets a multilingual inbox needs.
const fontDir = join(modules, "@fontsource-variable", "inter");
mkdirSync(join(out, "inter", "files"), { recursive: true });
const css = readFileSync(join(fontDir, "wght.css"), "utf8");
for (const [, file] of css.matchAll(/url\(\.\/files\/([^)]+)\)/g)) {
  cpSync(join(fontDir, "files", file), join(out, "inter", "files", file));
}
writeFileSync(join(out, "inter", "inter.css"), css);

for (const name of ICONS) {
  const svg = readFileSync(join(modules, "lucide-static", "icons", `${name}.svg`), "utf8");
  // Drop the licence comment (kept in LICENSES) and the fixed size: CSS sizes the icons.
  const clean = svg
    .replace(/<!--.*?-->\s*/s, "")
    .replace(/\s(width|height)="24"/g, "")
    .replace(/\s+/g, " ")
    .trim();
  writeFileSync(join(out, "icons", `${name}.svg`), clean + "\n");
}
cpSync(join(modules, "lucide-static", "LICENSE"), join(out, "icons", "LICENSE"));
console.log(`static/vendor: chart.js, Inter, ${ICONS.length} icons`);
