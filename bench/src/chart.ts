import type { ScenarioResult } from "./measurement.js";

const WIDTH = 760;
const LABEL = 200;
const VALUE = 90;
const BAR = 22;
const GAP = 8;
const TOP = 44;

/**
 * A horizontal bar chart of req/s per HTTP scenario, as a standalone SVG (no
 * script, no external font). `scale-*` rows are in-process lookups per second,
 * another unit, so they are left out; skipped scenarios are listed as such.
 */
export function rpsChart(results: ScenarioResult[], title: string): string {
  const rows = results.filter((result) => !result.name.startsWith("scale-"));
  const measured = (row: ScenarioResult) => !row.skipped && !row.failed;
  const max = Math.max(1, ...rows.filter(measured).map((row) => row.rps));
  const span = WIDTH - LABEL - VALUE - 20;
  const height = TOP + rows.length * (BAR + GAP) + 24;
  const bars = rows.map((row, index) => {
    const y = TOP + index * (BAR + GAP);
    const label = `<text x="${LABEL - 8}" y="${y + BAR / 2 + 5}" text-anchor="end">${escapeXml(row.name)}</text>`;
    if (!measured(row)) {
      const why = row.failed ? "failed" : "skipped";
      return `${label}<text x="${LABEL}" y="${y + BAR / 2 + 5}" fill="#888">${why}</text>`;
    }
    const width = Math.max(1, (row.rps / max) * span);
    const fill = row.name.startsWith("me-")
      ? "#2f6fb3"
      : row.name.startsWith("peer-")
        ? "#c0504d"
        : "#8aa1b4";
    return (
      `${label}<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${fill}"/>` +
      `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + BAR / 2 + 5}">${Math.round(row.rps).toLocaleString("en-US")}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LABEL}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...bars,
    `<text x="${LABEL}" y="${height - 8}" fill="#666" font-size="11">requests per second (higher is better); blue: tessera, red: Better Auth</text>`,
    "</svg>",
    "",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
